package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// dashboardPage is the landing page after login. Village staff see their
// village's register counts; the kabupaten admin sees the villages.
type dashboardPage struct {
	basePage
	Village    *surat.Village
	Residents  int64 // everyone in the register, alive or not
	Alive      int64
	Households int64
	Villages   []surat.Village
}

// handleDashboard shows the dashboard of the signed-in user.
func (s *Server) handleDashboard(c *gin.Context) error {
	ctx := c.Request.Context()
	u := currentUser(c)
	p := dashboardPage{basePage: s.base(c, "Dasbor")}
	if u.VillageID == nil {
		vs, err := s.store.Villages(ctx)
		if err != nil {
			return err
		}
		p.Villages = vs
		s.render(c, http.StatusOK, "dashboard", p)
		return nil
	}
	vid := *u.VillageID
	v, err := s.store.VillageByID(ctx, vid)
	if err != nil {
		return err
	}
	p.Village = v
	if p.Residents, err = s.store.CountResidents(ctx, vid, 0); err != nil {
		return err
	}
	if p.Alive, err = s.store.CountResidents(ctx, vid, surat.LifeAlive); err != nil {
		return err
	}
	if p.Households, err = s.store.CountHouseholds(ctx, vid); err != nil {
		return err
	}
	s.render(c, http.StatusOK, "dashboard", p)
	return nil
}
