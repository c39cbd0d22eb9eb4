package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/auth"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// householdSearch is the household list's search. As for residents, a
// query with digits (a No. KK) is kept in a stash, never in the URL.
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
	ctx := c.Request.Context()
	var f householdSearch
	if err := c.ShouldBindQuery(&f); err != nil {
		return &badRequestError{Msg: "Alamat pencarian tidak dapat dibaca."}
	}
	f.trim()
	base := f.values()
	notice := ""
	if key := c.Query("cari"); key != "" {
		st, err := s.store.FormStashFor(ctx, auth.TokenHash(key), currentUser(c).ID)
		switch {
		case errors.Is(err, surat.ErrNotFound):
			f, base, notice = householdSearch{}, url.Values{}, residentNotices["kedaluwarsa"]
		case err != nil:
			return err
		default:
			if err := json.Unmarshal([]byte(st.Data), &f); err != nil {
				return fmt.Errorf("search stash: %w", err)
			}
			base = url.Values{"cari": {key}}
		}
	} else if strings.IndexFunc(f.Q, unicode.IsDigit) >= 0 {
		return s.redirectToHouseholds(c, f)
	}
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
	link := func(key string, id int64) string {
		v := url.Values{}
		for k, vs := range base {
			v[k] = vs
		}
		if key != "" {
			v.Set(key, strconv.FormatInt(id, 10))
		}
		if len(v) == 0 {
			return "/keluarga"
		}
		return "/keluarga?" + v.Encode()
	}
	if n := len(res.Households); n > 0 {
		if res.HasPrev {
			p.PrevURL, p.FirstURL = link("sebelum", res.Households[0].ID), link("", 0)
		}
		if res.HasNext {
			p.NextURL = link("setelah", res.Households[n-1].ID)
		}
	}
	s.render(c, http.StatusOK, "household_list", p)
	return nil
}

// handleHouseholdSearch takes the search form (POST-redirect-GET).
func (s *Server) handleHouseholdSearch(c *gin.Context) error {
	var f householdSearch
	if err := c.ShouldBind(&f); err != nil {
		return &badRequestError{Msg: "Isi formulir tidak dapat dibaca."}
	}
	f.trim()
	return s.redirectToHouseholds(c, f)
}

func (s *Server) redirectToHouseholds(c *gin.Context, f householdSearch) error {
	if strings.IndexFunc(f.Q, unicode.IsDigit) < 0 {
		target := "/keluarga"
		if v := f.values(); len(v) > 0 {
			target += "?" + v.Encode()
		}
		c.Redirect(http.StatusSeeOther, target)
		return nil
	}
	key, err := auth.NewToken(24)
	if err != nil {
		return err
	}
	data, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("search stash: %w", err)
	}
	uid := currentUser(c).ID
	if err := s.store.SaveFormStash(c.Request.Context(), &store.FormStash{KeyHash: auth.TokenHash(key), UserID: &uid,
		Path: "/keluarga", Data: string(data)}, searchStashTTL); err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/keluarga?cari="+url.QueryEscape(key))
	return nil
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
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return fmt.Errorf("household id %q: %w", c.Param("id"), surat.ErrNotFound)
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
