package web

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/letters"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// "Buat surat" from a resident's or a household's page (issue 18 §5): the
// module list and the form carry ?penduduk=<id> or ?keluarga=<id>, and the
// form starts with that resident (for a household, its kepala keluarga, or
// else its first member) as the letter's main subject.

// letterPrefill is the resident a new letter is about, from the query.
type letterPrefill struct {
	ResidentID int64
	Name       string
	// Param and Value carry it on in a query ("penduduk", "7"); Query is
	// both as a query string.
	Param, Value, Query string
}

func newPrefill(r *surat.Resident, param string, id int64) *letterPrefill {
	v := strconv.FormatInt(id, 10)
	return &letterPrefill{ResidentID: r.ID, Name: r.Name, Param: param, Value: v, Query: param + "=" + v}
}

// prefillOf reads ?penduduk= or ?keluarga= and finds the resident in the
// clerk's village; nil when neither is given. An id of another village
// or of nobody is surat.ErrNotFound.
func (s *Server) prefillOf(c *gin.Context) (*letterPrefill, error) {
	ctx, vid := c.Request.Context(), villageOf(c)
	if raw := c.Query("penduduk"); raw != "" {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id <= 0 {
			return nil, fmt.Errorf("penduduk %q: %w", raw, surat.ErrNotFound)
		}
		r, err := s.store.ResidentByID(ctx, vid, id)
		if err != nil {
			return nil, err
		}
		return newPrefill(r, "penduduk", r.ID), nil
	}
	if raw := c.Query("keluarga"); raw != "" {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id <= 0 {
			return nil, fmt.Errorf("keluarga %q: %w", raw, surat.ErrNotFound)
		}
		return s.householdPrefill(ctx, vid, id)
	}
	return nil, nil
}

// householdPrefill is the household's kepala keluarga, or its first living
// member when no head is recorded.
func (s *Server) householdPrefill(ctx context.Context, vid, householdID int64) (*letterPrefill, error) {
	h, err := s.store.HouseholdByID(ctx, vid, householdID)
	if err != nil {
		return nil, err
	}
	ms, err := s.store.HouseholdMembers(ctx, vid, householdID)
	if err != nil {
		return nil, err
	}
	var pick *surat.Resident
	for i := range ms {
		m := &ms[i]
		if h.HeadID != nil && m.ID == *h.HeadID {
			pick = m
			break
		}
		if pick == nil && m.CanBeSubject() {
			pick = m
		}
	}
	if pick == nil {
		return nil, errors.Join(fmt.Errorf("household %d has no member", householdID), surat.ErrNotFound)
	}
	return newPrefill(pick, "keluarga", householdID), nil
}

// prefillValues are the form values that put the resident in module m's
// main subject role (the first item of a list role).
func prefillValues(m *letters.Module, pf *letterPrefill) url.Values {
	v := url.Values{}
	if pf == nil || len(m.Subjects) == 0 {
		return v
	}
	sp := m.Subjects[0]
	key := letters.SubjectKey(sp.Role)
	if sp.Kind.IsList() {
		key = letters.SubjectKey(sp.Role, 1)
	}
	v.Set(key+".mode", modeResident)
	v.Set(key, strconv.FormatInt(pf.ResidentID, 10))
	return v
}
