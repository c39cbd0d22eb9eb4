package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// submittedRequest has Budi (lv.res) submit an sk_domisili request about
// himself through the resident API and returns its id and his token.
func (e *mandiriEnv) submittedRequest(lv *letterVillage, tok string) int64 {
	e.t.Helper()
	var req mandiriRequestJSON
	e.call("POST", "/api/v1/mandiri/requests", tok, domisili(lv.res.ID, nil), http.StatusCreated, &req)
	return req.ID
}

// villageLetters counts the letters of the village.
func (e *mandiriEnv) villageLetters(villageID int64) int64 {
	e.t.Helper()
	p, err := e.st.ListLetters(context.Background(), villageID, store.LetterFilter{})
	if err != nil {
		e.t.Fatal(err)
	}
	return p.Total
}

// eventsWith counts the request's timeline entries with message msg.
func (e *mandiriEnv) eventsWith(villageID, requestID int64, msg string) int {
	e.t.Helper()
	es, err := e.st.RequestEvents(context.Background(), villageID, requestID)
	if err != nil {
		e.t.Fatal(err)
	}
	n := 0
	for _, ev := range es {
		if ev.Message == msg {
			n++
		}
	}
	return n
}

func TestRequestCollectedAtOffice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newMandiriEnv(t, b)
		lv := e.villageForLetters("3505122001", "Sumberejo", "")
		ctx := context.Background()
		tok := e.residentToken(lv.res.NIK, e.issuePIN("operator", lv.res.NIK), "583920")
		// A second village whose clerk must not reach the request.
		e.villageForLetters("3505122002", "Sumberagung", "b_")
		reqID := e.submittedRequest(lv, tok)
		detail := fmt.Sprintf("/permohonan/%d", reqID)
		collect := detail + "/diambil"
		const msg = "Surat diambil di kantor desa"
		status := func() surat.RequestStatus {
			t.Helper()
			r, err := e.st.RequestByID(ctx, lv.v.ID, reqID)
			if err != nil {
				t.Fatal(err)
			}
			return r.Effective
		}

		clerk := e.browser()
		clerk.login("operator")
		// Not signed yet: refused with the reason, nothing recorded.
		r := clerk.post(collect, url.Values{csrfField: {clerk.csrf(detail)}})
		if r.Code != http.StatusConflict || !strings.Contains(r.Body, "tidak dapat dicatat sudah diambil") {
			t.Errorf("collect under review: %d %s", r.Code, r.Body)
		}
		if strings.Contains(clerk.get(detail).Body, `id="collect-form"`) {
			t.Error("collect button shown for a request under review")
		}

		// Opened, submitted, approved and signed: siap diambil.
		if r := clerk.post(detail+"/proses", url.Values{csrfField: {clerk.csrf(detail)}}); r.Code != http.StatusSeeOther {
			t.Fatalf("open: %d %s", r.Code, r.Body)
		}
		rq, _ := e.st.RequestByID(ctx, lv.v.ID, reqID)
		var l letterJSON
		e.call("POST", letterPath(*rq.LetterID)+"/submit", lv.tokens["operator"], nil, http.StatusOK, &l)
		e.call("POST", letterPath(l.ID)+"/approve", lv.tokens["kades"], map[string]int{"version": l.Version}, http.StatusOK, &l)
		e.call("POST", letterPath(l.ID)+"/sign", lv.tokens["kades"], map[string]string{"passphrase": testSignPass}, http.StatusOK, &l)
		if s := status(); s != surat.RequestReady {
			t.Fatalf("after signing: %s", s)
		}
		page := clerk.get(detail)
		if !strings.Contains(page.Body, `id="collect-form"`) {
			t.Fatalf("collect button missing on a ready request:\n%s", page.Body)
		}
		tokCSRF := attr(t, page.Body, "input", "name", csrfField, "value")

		// Without the form token, by the signer, or by a clerk of another
		// village: nothing changes.
		if r := clerk.post(collect, url.Values{}); r.Code != http.StatusForbidden {
			t.Errorf("collect without CSRF token: %d", r.Code)
		}
		signer := e.browser()
		signer.login("kades")
		if r := signer.post(collect, url.Values{csrfField: {signer.csrf("/surat")}}); r.Code != http.StatusForbidden {
			t.Errorf("collect by the signer: %d", r.Code)
		}
		ob := e.browser()
		ob.login("b_operator")
		if r := ob.post(collect, url.Values{csrfField: {ob.csrf("/permohonan/akun")}}); r.Code != http.StatusNotFound {
			t.Errorf("collect by another village's clerk: %d", r.Code)
		}
		if s := status(); s != surat.RequestReady || e.eventsWith(lv.v.ID, reqID, msg) != 0 {
			t.Fatalf("refused attempts changed the request: %s", s)
		}

		// The clerk records it: sudah diambil, in the timeline the resident
		// sees and in the audit log.
		r = clerk.post(collect, url.Values{csrfField: {tokCSRF}})
		if r.Code != http.StatusSeeOther || r.Header.Get("Location") != detail {
			t.Fatalf("collect: %d to %q %s", r.Code, r.Header.Get("Location"), r.Body)
		}
		page = clerk.get(detail)
		if got := textByID(t, page.Body, "status"); got != "Sudah Diambil" {
			t.Errorf("status shown %q", got)
		}
		if !strings.Contains(textByID(t, page.Body, "timeline"), msg) || strings.Contains(page.Body, `id="collect-form"`) {
			t.Errorf("clerk page after collect:\n%s", page.Body)
		}
		var got mandiriRequestJSON
		e.call("GET", fmt.Sprintf("/api/v1/mandiri/requests/%d", reqID), tok, nil, http.StatusOK, &got)
		if got.Status != string(surat.RequestTaken) {
			t.Errorf("resident sees %s", got.Status)
		}
		audits := func() int {
			n := 0
			for _, a := range auditActionsOf(t, e.st, lv.v.ID, "letter_request") {
				if a == "request.sudah_diambil" {
					n++
				}
			}
			return n
		}
		if n := audits(); n != 1 {
			t.Errorf("%d audit rows request.sudah_diambil, want 1", n)
		}

		// A second click (say, from a stale tab) adds nothing.
		r = clerk.post(collect, url.Values{csrfField: {tokCSRF}})
		if r.Code != http.StatusSeeOther {
			t.Errorf("second collect: %d %s", r.Code, r.Body)
		}
		if n := e.eventsWith(lv.v.ID, reqID, msg); n != 1 || audits() != 1 {
			t.Errorf("after a second click: %d events, %d audit rows", n, audits())
		}

		// A cancelled request cannot be collected.
		cancelled := e.submittedRequest(lv, tok)
		e.call("POST", fmt.Sprintf("/api/v1/mandiri/requests/%d/cancel", cancelled), tok, nil, http.StatusOK, nil)
		r = clerk.post(fmt.Sprintf("/permohonan/%d/diambil", cancelled), url.Values{csrfField: {tokCSRF}})
		if r.Code != http.StatusConflict || !strings.Contains(r.Body, "Dibatalkan") {
			t.Errorf("collect a cancelled request: %d %s", r.Code, r.Body)
		}
	})
}

func TestRequestConcurrentOpen(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newMandiriEnv(t, b)
		lv := e.villageForLetters("3505122001", "Sumberejo", "")
		ctx := context.Background()
		tok := e.residentToken(lv.res.NIK, e.issuePIN("operator", lv.res.NIK), "583920")
		clerks := []*browser{e.browser(), e.browser()}
		clerks[0].login("operator")
		clerks[1].login("admin")

		refusals := 0
		for round := range 3 {
			reqID := e.submittedRequest(lv, tok)
			detail := fmt.Sprintf("/permohonan/%d", reqID)
			before := e.villageLetters(lv.v.ID)
			forms := make([]url.Values, len(clerks))
			for i, c := range clerks {
				forms[i] = url.Values{csrfField: {c.csrf(detail)}}
			}
			// Both clerks press "Proses" at the same moment.
			type result struct {
				code     int
				location string
				body     string
			}
			results := make([]result, len(clerks))
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i, c := range clerks {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					resp, err := c.c.PostForm(c.base+detail+"/proses", forms[i])
					if err != nil {
						results[i].body = err.Error()
						return
					}
					r := read(t, resp)
					results[i] = result{r.Code, r.Header.Get("Location"), r.Body}
				}()
			}
			close(start)
			wg.Wait()

			rq, err := e.st.RequestByID(ctx, lv.v.ID, reqID)
			if err != nil || rq.LetterID == nil {
				t.Fatalf("round %d: request %+v %v", round, rq, err)
			}
			if n := e.villageLetters(lv.v.ID) - before; n != 1 {
				t.Errorf("round %d: %d letters created, want exactly 1", round, n)
			}
			letter := fmt.Sprintf("/surat/%d", *rq.LetterID)
			opened := 0
			for i, res := range results {
				switch {
				case res.code == http.StatusSeeOther && res.location == letter:
					opened++
				case res.code == http.StatusConflict && strings.Contains(res.body, "baru saja diproses petugas lain"):
					refusals++
				default:
					t.Errorf("round %d clerk %d: %d to %q %s", round, i, res.code, res.location, res.body)
				}
			}
			if opened == 0 {
				t.Errorf("round %d: no clerk opened the request", round)
			}
			if n := e.eventsWith(lv.v.ID, reqID, "Permohonan diproses petugas; draf surat dibuat"); n != opened {
				t.Errorf("round %d: %d timeline entries for %d openings", round, n, opened)
			}
		}
		// A clerk whose click came after the other's finished refreshed the
		// same draft instead; both outcomes leave one letter.
		t.Logf("%d of 3 rounds ended with a refusal", refusals)
	})
}
