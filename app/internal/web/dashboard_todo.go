package web

import (
	"fmt"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// "Menunggu Anda" (issue 18 §9): every dashboard opens with what waits for
// the signed-in person, each group linking to the list it comes from.

// todoGroup is one kind of waiting work.
type todoGroup struct {
	ID, Title, Href string
	Count           int
	Items           []todoLine
	// More counts items beyond those listed.
	More int
}

// todoLine is one waiting thing.
type todoLine struct{ Href, Text, Note string }

// todoShown bounds the lines listed per group.
const todoShown = 5

func (s *Server) letterLine(c *gin.Context, l surat.Letter, note string) todoLine {
	return todoLine{Href: fmt.Sprintf("/surat/%d", l.ID), Text: s.moduleTitleOf(c, l.Module) + " — " + l.SubjectName, Note: note}
}

func (s *Server) letterGroup(c *gin.Context, id, title, href string, ls []surat.Letter, note func(surat.Letter) string) todoGroup {
	g := todoGroup{ID: id, Title: title, Href: href, Count: len(ls)}
	for i, l := range ls {
		if i == todoShown {
			g.More = len(ls) - todoShown
			break
		}
		n := ""
		if note != nil {
			n = note(l)
		}
		g.Items = append(g.Items, s.letterLine(c, l, n))
	}
	return g
}

// todoFor is what waits for the user of the village.
func (s *Server) todoFor(c *gin.Context, u *surat.User, vid int64) ([]todoGroup, error) {
	ctx := c.Request.Context()
	var out []todoGroup
	if isSigner(u) {
		w, err := s.issuance.WorkOfSigner(ctx, actorOf(u), vid)
		if err != nil {
			return nil, err
		}
		if w.Verifier {
			out = append(out, s.letterGroup(c, "todo-verify", "Menunggu verifikasi Anda", "/persetujuan", w.ToVerify, nil))
		}
		out = append(out,
			s.letterGroup(c, "todo-approve", "Menunggu persetujuan dan tanda tangan Anda", "/persetujuan", w.ToApprove, nil),
			s.letterGroup(c, "todo-sign", "Disetujui, menunggu tanda tangan Anda", "/persetujuan", w.ToSign, nil))
		return out, nil
	}
	if !isClerk(u) {
		return nil, nil
	}
	w, err := s.issuance.WorkOfClerk(ctx, vid)
	if err != nil {
		return nil, err
	}
	out = append(out, s.letterGroup(c, "todo-returned", "Surat dikembalikan penandatangan", "/surat?status="+statusReturned,
		w.Returned, func(l surat.Letter) string { return l.ReturnReason }))
	out = append(out, s.letterGroup(c, "todo-signer", "Perlu penandatangan baru", "/surat", w.NeedSigner,
		func(l surat.Letter) string {
			if l.SignerOfficialID != nil {
				return w.Why[*l.SignerOfficialID]
			}
			return ""
		}))
	reqs, err := s.requestGroup(c, vid, surat.RequestInReview, "todo-requests", "Permohonan warga menunggu diperiksa")
	if err != nil {
		return nil, err
	}
	ready, err := s.requestGroup(c, vid, surat.RequestReady, "todo-ready", "Surat warga siap diserahkan")
	if err != nil {
		return nil, err
	}
	out = append(out, reqs, ready)
	if u.Role == surat.RoleAdminDesa {
		page, err := s.store.Notifications(ctx, vid, store.NotificationFilter{Status: surat.NotificationFailed, PerPage: todoShown})
		if err != nil {
			return nil, err
		}
		g := todoGroup{ID: "todo-notifications", Title: "Pemberitahuan gagal terkirim",
			Href: "/pengaturan/pemberitahuan?status=" + surat.NotificationFailed, Count: int(page.Total)}
		for _, n := range page.Items {
			g.Items = append(g.Items, todoLine{Href: g.Href, Text: n.Subject, Note: n.LastError})
		}
		g.More = max(0, g.Count-len(g.Items))
		if g.Count > 0 {
			out = append(out, g)
		}
	}
	return out, nil
}

// requestGroup lists the village's requests that show status.
func (s *Server) requestGroup(c *gin.Context, vid int64, status surat.RequestStatus, id, title string) (todoGroup, error) {
	rs, err := s.store.RequestQueue(c.Request.Context(), vid, status, 200)
	if err != nil {
		return todoGroup{}, err
	}
	g := todoGroup{ID: id, Title: title, Href: "/permohonan?status=" + string(status), Count: len(rs)}
	for i, r := range rs {
		if i == todoShown {
			g.More = len(rs) - todoShown
			break
		}
		g.Items = append(g.Items, todoLine{Href: fmt.Sprintf("/permohonan/%d", r.ID),
			Text: s.moduleTitleOf(c, r.Module) + " — " + r.SubjectName,
			Note: "diajukan " + surat.FormatDate(surat.LetterTime(r.SubmittedAt))})
	}
	return g, nil
}

// signerQueueCount is how many letters wait for a signer, for the menu;
// 0 for other roles, and on a failure (the menu must not break a page).
func (s *Server) signerQueueCount(c *gin.Context, u *surat.User) int {
	if !isSigner(u) || u.VillageID == nil {
		return 0
	}
	w, err := s.issuance.WorkOfSigner(c.Request.Context(), actorOf(u), *u.VillageID)
	if err != nil {
		s.log.WarnContext(c.Request.Context(), "signer queue count", "err", err)
		return 0
	}
	return w.Count()
}
