package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// householdSearch is the household list's search. Its query matches the
// No. KK, the head's name and the household's address, so any query is
// kept in a stash, never in the URL (a resident's name search, which
// matches no address, travels in the URL unless it has digits).
type householdSearch struct {
	Q     string `form:"q" json:"q"`
	Dusun string `form:"dusun" json:"dusun"`
	RW    string `form:"rw" json:"rw"`
	RT    string `form:"rt" json:"rt"`
}

func (f *householdSearch) trim() {
	for _, p := range []*string{&f.Q, &f.Dusun, &f.RW, &f.RT} {
		*p = strings.TrimSpace(*p)
	}
	if len([]rune(f.Q)) > 100 {
		f.Q = string([]rune(f.Q)[:100])
	}
}

func (f householdSearch) sensitive() bool { return f.Q != "" }

func (f householdSearch) values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"q": f.Q, "dusun": f.Dusun, "rw": f.RW, "rt": f.RT} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// householdListPage is /keluarga.
type householdListPage struct {
	basePage
	Search                     householdSearch
	Results                    *store.HouseholdResults
	Dusuns                     []string
	Notice                     string
	PrevURL, NextURL, FirstURL string
}

// handleHouseholdList shows one page of the village's households.
func (s *Server) handleHouseholdList(c *gin.Context) error {
	f, ls, err := readListSearch[householdSearch](s, c, "/keluarga")
	if err != nil || ls.Redirected {
		return err
	}
	notice := ""
	if ls.Expired {
		notice = residentNotices["kedaluwarsa"]
	}
	ctx := c.Request.Context()
	q := store.HouseholdQuery{Text: f.Q, Dusun: f.Dusun, RW: f.RW, RT: f.RT}
	q.After, _ = strconv.ParseInt(c.Query("setelah"), 10, 64)
	q.Before, _ = strconv.ParseInt(c.Query("sebelum"), 10, 64)
	res, err := s.store.FindHouseholds(ctx, villageOf(c), q)
	if err != nil {
		return err
	}
	dusuns, err := s.store.Dusuns(ctx, villageOf(c))
	if err != nil {
		return err
	}
	p := householdListPage{basePage: s.base(c, "Keluarga"), Search: f, Results: res, Dusuns: dusuns, Notice: notice}
	if n := len(res.Households); n > 0 {
		if res.HasPrev {
			p.PrevURL, p.FirstURL = ls.link("sebelum", res.Households[0].ID), ls.link("", 0)
		}
		if res.HasNext {
			p.NextURL = ls.link("setelah", res.Households[n-1].ID)
		}
	}
	s.render(c, http.StatusOK, "household_list", p)
	return nil
}

// handleHouseholdSearch takes the search form (POST-redirect-GET).
func (s *Server) handleHouseholdSearch(c *gin.Context) error {
	return submitListSearch[householdSearch](s, c, "/keluarga")
}

// householdDetailPage is /keluarga/:id.
type householdDetailPage struct {
	basePage
	enumLabels
	Household *store.HouseholdSummary
	Members   []surat.Resident
	CanWrite  bool
}

// handleHouseholdShow shows a household of the village with its members
// and their SHDK; another village's household is 404.
func (s *Server) handleHouseholdShow(c *gin.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	h, err := s.store.HouseholdByID(ctx, villageOf(c), id)
	if err != nil {
		return err
	}
	ms, err := s.store.HouseholdMembers(ctx, villageOf(c), id)
	if err != nil {
		return err
	}
	title := "Keluarga"
	if h.HeadName != "" {
		title = "Keluarga " + h.HeadName
	}
	s.render(c, http.StatusOK, "household_detail", householdDetailPage{basePage: s.base(c, title), Household: h,
		Members: ms, CanWrite: canWriteResidents(currentUser(c))})
	return nil
}
