// Command benchscale measures suratdesa at the scale of a kabupaten: it is
// the kabupaten-pages and name-search part of scripts/bench.sh, a
// development tool and not part of the application binary.
//
//	benchscale seed  --driver mysql --dsn DSN [--villages 300] [--residents 300000] [--big 100000] [--letters 200000] [--big-history 25000]
//	benchscale pages --driver mysql --dsn DSN [--n 30]
//
// seed fills a new database (migrated by the store) with villages created
// through the store (audited, with their counters) and then, by plain
// multi-row INSERTs for speed, households, residents and letters: the
// first village has --big residents, the others share the rest. The
// letters are signed rows spread over this year (status, number, code,
// dates and module as a signed letter has them), and the big village has
// --big-history more over the four years before, so that its pages read a
// village with a long past. None carries a PDF: the pages measured here
// count and list letters, they never open one. The counters are then
// recomputed from the rows (store.RecountStats).
//
// pages starts the real web.Server on that database in-process, signs in
// through /login as the kabupaten admin and as the big village's admin,
// and times the kabupaten pages (dashboard, village list, recap of the
// year) and the big village's dashboard, letter archive (first page, page
// 40, this month, a search), household list and resident name search,
// printing one line per metric:
//
//	metric <TAB> median ms <TAB> p95 ms
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchscale:", err)
		os.Exit(1)
	}
}
