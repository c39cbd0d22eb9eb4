package main

import (
	"context"
	"errors"
	"fmt"
	"io"
)

const statsUsage = "usage: app stats recount"

// runStats runs `app stats recount`: it rebuilds the counters the
// dashboards read (village_stats, letter_month_counts and its sums) from
// the residents, households and letters themselves, in one transaction.
// Replicas of a version older than a migration that adds a counter keep
// adding residents and signing during a rolling update without counting in
// it; this puts the figures right once every replica runs the new version.
func runStats(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "recount" {
		return errors.New(statsUsage)
	}
	e, rest, err := setup(ctx, "stats recount", args[1:], getenv, stdout, nil)
	if err != nil {
		return err
	}
	defer e.close()
	if len(rest) > 0 {
		return fmt.Errorf("unexpected argument %q\n%s", rest[0], statsUsage)
	}
	if err := e.st.RecountStats(ctx); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "Statistik dasbor dihitung ulang dari data penduduk, keluarga dan surat.")
	return nil
}
