package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/suratdesa/suratdesa/app/internal/issuance"
	"github.com/suratdesa/suratdesa/app/internal/letters"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// This file holds what the resident pages and the resident API share: which
// modules a village offers online, and the checks of a request before
// anything is stored.

// offeredModules lists the modules the village offers residents online:
// enabled and marked online in the village's settings, or, without a
// settings row, online by the module file's default. Without the issuance
// service there is no catalogue and nothing is offered.
func (s *Server) offeredModules(ctx context.Context, villageID int64) ([]villageModule, error) {
	vms, err := s.villageModules(ctx, villageID, s.issuance.Catalogue())
	if err != nil {
		return nil, err
	}
	var out []villageModule
	for _, vm := range vms {
		if vm.online() {
			out = append(out, vm)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Title < out[j].Title })
	return out, nil
}

// offeredModule returns the module with that code when the village offers
// it online, and a *surat.ValidationError on "module" otherwise.
func (s *Server) offeredModule(ctx context.Context, villageID int64, code string) (villageModule, error) {
	ms, err := s.offeredModules(ctx, villageID)
	if err != nil {
		return villageModule{}, err
	}
	for _, m := range ms {
		if m.Code == code {
			return m, nil
		}
	}
	return villageModule{}, &surat.ValidationError{Fields: map[string]string{
		"module": "Jenis surat ini tidak dapat diajukan secara mandiri di desa ini. Silakan datang ke kantor desa."}}
}

// householdOf is the resident's KK members (the resident included), or the
// resident alone without a KK.
func (s *Server) householdOf(ctx context.Context, r *surat.Resident) ([]surat.Resident, error) {
	if r.HouseholdID == nil {
		return []surat.Resident{*r}, nil
	}
	ms, err := s.store.HouseholdMembers(ctx, r.VillageID, *r.HouseholdID)
	if err != nil {
		return nil, err
	}
	return ms, nil
}

// issuanceRequest turns a resident's form into the request the issuance
// service validates and drafts from.
func issuanceRequest(module string, f surat.RequestForm) issuance.Request {
	req := issuance.Request{Module: module, Subjects: map[string]issuance.SubjectRef{}, Fields: map[string]string{}}
	var conv func(rs surat.RequestSubject) issuance.SubjectRef
	conv = func(rs surat.RequestSubject) issuance.SubjectRef {
		ref := issuance.SubjectRef{ResidentID: rs.ResidentID, Relation: rs.Relation}
		for _, it := range rs.Items {
			ref.Items = append(ref.Items, conv(it))
		}
		return ref
	}
	for role, rs := range f.Subjects {
		req.Subjects[role] = conv(rs)
	}
	for k, v := range f.Fields {
		req.Fields[k] = v
	}
	return req
}

// checkRequest checks a resident's form for module m before anything is
// stored: every person named must be the resident or a member of the
// resident's KK (nobody else, whatever ids are sent), the main subject must
// be given, and the module's own rules must hold (issuance.Validate). It
// returns the stored form and the main subject's resident id, or a
// *surat.ValidationError keyed "subject.<role>" and "field.<name>".
func (s *Server) checkRequest(ctx context.Context, login *store.ResidentLogin, m *letters.Module, f surat.RequestForm) (string, int64, error) {
	if f.Fields == nil {
		f.Fields = map[string]string{}
	}
	if f.Subjects == nil {
		f.Subjects = map[string]surat.RequestSubject{}
	}
	members, err := s.householdOf(ctx, &login.Resident)
	if err != nil {
		return "", 0, err
	}
	inKK := map[int64]bool{}
	for _, r := range members {
		inKK[r.ID] = true
	}
	p := surat.Problems{}
	for role, sub := range f.Subjects {
		spec := m.Subject(role)
		if spec == nil {
			p.Add("subject."+role, "Peran "+role+" tidak dikenal untuk "+m.Title)
			continue
		}
		for _, id := range (surat.RequestForm{Subjects: map[string]surat.RequestSubject{role: sub}}).ResidentIDs() {
			if !inKK[id] {
				p.Add("subject."+role, spec.Label+": hanya Anda sendiri atau anggota KK Anda yang dapat dipilih. "+
					"Untuk orang lain, ajukan di kantor desa.")
			}
		}
		if spec.Kind.IsList() && sub.ResidentID != 0 {
			p.Add("subject."+role, spec.Label+" harus berupa daftar")
		}
	}
	main := m.Subjects[0]
	mainID := f.Subjects[main.Role].ResidentID
	if mainID == 0 && len(f.Subjects[main.Role].Items) > 0 {
		mainID = f.Subjects[main.Role].Items[0].ResidentID
	}
	if mainID == 0 {
		p.Add("subject."+main.Role, main.Label+" wajib dipilih")
	}
	for name := range f.Fields {
		if m.Field(name) == nil {
			p.Add("field."+name, "Isian tidak dikenal untuk "+m.Title)
		}
	}
	if err := p.Err(); err != nil {
		return "", 0, err
	}
	_, err = s.issuance.Validate(ctx, login.Account.VillageID, issuanceRequest(m.Code, f))
	if fields, ok := surat.FieldErrors(err); ok {
		// The signer and other clerk-side choices are not the resident's to
		// fix; only their own entries are reported back.
		for k, msg := range fields {
			if strings.HasPrefix(k, "subject.") || strings.HasPrefix(k, "field.") {
				p.Add(k, msg)
			}
		}
		if err := p.Err(); err != nil {
			return "", 0, err
		}
	} else if err != nil {
		return "", 0, err
	}
	b, err := json.Marshal(f)
	if err != nil {
		return "", 0, fmt.Errorf("encode request form: %w", err)
	}
	return string(b), mainID, nil
}

// requestFormOf decodes a stored request's form.
func requestFormOf(r *surat.LetterRequest) (surat.RequestForm, error) {
	var f surat.RequestForm
	if err := json.Unmarshal([]byte(r.FormData), &f); err != nil {
		return f, fmt.Errorf("decode form of request %d: %w", r.ID, err)
	}
	return f, nil
}

// requestStateMessage is the Indonesian refusal of a change the request's
// status does not allow, or "".
func requestStateMessage(err error) string {
	var st *store.RequestStateError
	if errors.As(err, &st) {
		return st.Msg
	}
	return ""
}

// moduleTitle is a module's title, or its code when the catalogue lacks it.
func (s *Server) moduleTitle(code string) string {
	if m := s.issuance.Catalogue().Module(code); m != nil {
		return m.Title
	}
	return code
}
