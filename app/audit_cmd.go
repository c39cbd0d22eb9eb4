package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

const auditUsage = "usage: app audit verify [--village KODE]"

// runAudit runs `app audit verify`: it recomputes the hash chain of the
// audit log of every village (or of the one --village names) and of the
// deployment-wide events, prints one line per chain and fails when a chain
// is broken. A broken chain is named by its first bad entry: id, time and
// action only, never the entry's detail.
func runAudit(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		return errors.New(auditUsage)
	}
	var villageCode string
	e, rest, err := setup(ctx, "audit verify", args[1:], getenv, stdout, func(fs *flag.FlagSet) {
		fs.StringVar(&villageCode, "village", "", "check only the chain of this kode desa")
	})
	if err != nil {
		return err
	}
	defer e.close()
	if len(rest) > 0 {
		return fmt.Errorf("unexpected argument %q\n%s", rest[0], auditUsage)
	}

	type chain struct {
		id   int64
		name string
	}
	var chains []chain
	if villageCode != "" {
		v, err := e.st.VillageByCode(ctx, villageCode)
		if errors.Is(err, surat.ErrNotFound) {
			return fmt.Errorf("desa dengan kode %s tidak ditemukan", villageCode)
		} else if err != nil {
			return err
		}
		chains = append(chains, chain{v.ID, villageLabel(v)})
	} else {
		chains = append(chains, chain{0, "Tingkat aplikasi (root CA, pengguna kabupaten)"})
		vs, err := e.st.Villages(ctx)
		if err != nil {
			return err
		}
		for i := range vs {
			chains = append(chains, chain{vs[i].ID, villageLabel(&vs[i])})
		}
	}

	var total int64
	var broken []string
	for _, c := range chains {
		res, err := e.st.VerifyAuditChain(ctx, c.id)
		if err != nil {
			return err
		}
		total += res.Entries
		switch {
		case res.Intact():
			fmt.Fprintf(stdout, "utuh   %s: %d entri diperiksa\n", c.name, res.Entries)
		case res.FirstBad != nil:
			b := res.FirstBad
			fmt.Fprintf(stdout, "RUSAK  %s: entri %d (%s, %s) tidak cocok dengan isinya atau dengan entri sebelumnya; %d entri diperiksa\n",
				c.name, b.ID, b.CreatedAt.UTC().Format(time.RFC3339), b.Action, res.Entries)
			broken = append(broken, fmt.Sprintf("%s: entri %d", c.name, b.ID))
		default:
			fmt.Fprintf(stdout, "RUSAK  %s: %d entri cocok, tetapi entri terakhir yang tercatat tidak ada (entri di ujung rantai hilang)\n",
				c.name, res.Entries)
			broken = append(broken, c.name+": ujung rantai")
		}
	}
	fmt.Fprintf(stdout, "%d rantai, %d entri diperiksa, %d rusak\n", len(chains), total, len(broken))
	if len(broken) > 0 {
		return fmt.Errorf("log audit rusak: %v", broken)
	}
	return nil
}

func villageLabel(v *surat.Village) string {
	return fmt.Sprintf("%s %s (kode %s)", v.Sebutan, v.Name, v.Code)
}
