package issuance

import (
	"context"
	"errors"
	"fmt"

	"github.com/suratdesa/suratdesa/app/internal/letters"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// The keyed hashes behind the public paper match ("Cocokkan dengan
// kertas"): at signing, finalize stores a digest of each subject's NIK and
// normalised full name (surat.MatchKey); BackfillMatchKeys computes them for
// letters signed before, or under another key.

// matchSet collects the digests of one letter, each once.
type matchSet struct {
	key      *surat.MatchKey
	letterID int64
	seen     map[string]bool
	out      store.MatchKeys
}

func (s *Service) newMatchSet(letterID int64) *matchSet {
	if s.d.MatchKey == nil {
		return nil
	}
	return &matchSet{key: s.d.MatchKey, letterID: letterID, seen: map[string]bool{},
		out: store.MatchKeys{KeyID: s.d.MatchKey.ID()}}
}

// add records a person's NIK (when it is one) and name.
func (m *matchSet) add(nik, name string) {
	if v, ok := surat.NormalizeMatchNIK(nik); ok {
		m.digest(surat.MatchNIK, v)
	}
	if v, ok := surat.NormalizeMatchName(name); ok {
		m.digest(surat.MatchName, v)
	}
}

func (m *matchSet) digest(kind surat.MatchKind, v string) {
	d := m.key.Digest(kind, m.letterID, v)
	if !m.seen[d] {
		m.seen[d] = true
		m.out.Digests = append(m.out.Digests, store.MatchDigest{Kind: kind, Digest: d})
	}
}

// addSubject records a resolved subject: a resident or a typed person, or
// every item of a list. Household members who are not themselves a subject
// are not added.
func (m *matchSet) addSubject(sub letters.Subject) {
	switch {
	case sub.Resident != nil:
		m.add(sub.Resident.NIK, sub.Resident.Name)
	case sub.Person != nil:
		m.add(sub.Person.NIK, sub.Person.Name)
	}
	for _, it := range sub.Items {
		m.addSubject(it)
	}
}

// matchKeysOf are the digests of the subjects of a prepared letter, for
// letter letterID; empty without a match key.
func (s *Service) matchKeysOf(letterID int64, p *prepared) store.MatchKeys {
	m := s.newMatchSet(letterID)
	if m == nil {
		return store.MatchKeys{}
	}
	for _, sub := range p.in.Subjects {
		m.addSubject(sub)
	}
	m.add("", p.subjectName)
	return m.out
}

// backfillBatch is how many letters BackfillMatchKeys reads at a time.
const backfillBatch = 200

// BackfillMatchKeys stores the match digests of signed letters that have
// none under the current key: letters signed before the paper match
// existed, or before APP_SECRET was changed. Their subjects are read from
// the stored form data and today's register (a resident's NIK or name
// corrected since signing is matched as it is now), plus the subject name
// kept with the letter. A letter whose data cannot be read is logged and
// skipped. It returns how many letters got digests. Safe to run on several
// replicas at once: digests already stored are left alone.
func (s *Service) BackfillMatchKeys(ctx context.Context) (int, error) {
	if s.d.MatchKey == nil {
		return 0, nil
	}
	var after int64
	done := 0
	for {
		ls, err := s.d.Store.LettersWithoutMatchKeys(ctx, s.d.MatchKey.ID(), after, backfillBatch)
		if err != nil {
			return done, fmt.Errorf("issuance: backfill match keys: %w", err)
		}
		if len(ls) == 0 {
			return done, nil
		}
		for i := range ls {
			l := &ls[i]
			after = l.ID
			keys, err := s.storedMatchKeys(ctx, l)
			if err != nil {
				if ctx.Err() != nil {
					return done, ctx.Err()
				}
				s.d.Log.Warn("match keys of letter not computed", "letter_id", l.ID, "err", err)
				continue
			}
			if err := s.d.Store.AddMatchKeys(ctx, l.VillageID, l.ID, keys); err != nil {
				return done, fmt.Errorf("issuance: backfill match keys: %w", err)
			}
			done++
		}
	}
}

// storedMatchKeys computes the digests of a stored letter from its form
// data and the register.
func (s *Service) storedMatchKeys(ctx context.Context, l *surat.Letter) (store.MatchKeys, error) {
	req, err := s.RequestOf(l)
	if err != nil {
		return store.MatchKeys{}, err
	}
	m := s.newMatchSet(l.ID)
	var add func(ref SubjectRef) error
	add = func(ref SubjectRef) error {
		switch {
		case ref.Person != nil:
			m.add(ref.Person.NIK, ref.Person.Name)
		case ref.ResidentID != 0:
			r, err := s.d.Store.ResidentByID(ctx, l.VillageID, ref.ResidentID)
			if errors.Is(err, surat.ErrNotFound) {
				break
			} else if err != nil {
				return err
			}
			m.add(r.NIK, r.Name)
		}
		for _, it := range ref.Items {
			if err := add(it); err != nil {
				return err
			}
		}
		return nil
	}
	for _, ref := range req.Subjects {
		if err := add(ref); err != nil {
			return store.MatchKeys{}, err
		}
	}
	m.add("", l.SubjectName)
	return m.out, nil
}
