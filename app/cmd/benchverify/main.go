// Command benchverify is the server side of scripts/bench-verify.sh, the wrk
// benchmark of the public verification page /v/<code>. It is a development
// tool and not part of the application binary:
//
//	benchverify seed --db FILE --n 100000 --codes FILE
//	benchverify serve --db FILE --addr 127.0.0.1:18080 --bare-addr 127.0.0.1:18081 --log FILE
//	benchverify startup --addr 127.0.0.1:18095 -- app serve
//
// seed fills a new SQLite database with one village, a root CA, a signer
// certificate and n letters: realLetters of them drafted, approved,
// rendered and PAdES-signed through the issuance service, the others
// copies of those rows with their own verification code, number and
// subject name (every 50th revoked). The verification page reads exactly
// the columns of such a row, so it does the same work for a copy as for a
// real letter. Every code is written to --codes, one a line.
//
// serve runs the real web.Server on that database the way `app serve` does
// (every middleware, the access log at info level, the same http.Server
// timeouts) but with the rate limits off (web.Deps.RateLimits.Disabled,
// which exists for this tool only), next to a bare Gin engine whose only
// route writes "ok": the floor any Gin handler costs on the same machine.
// It is the one program outside app/internal/web that imports Gin, for that
// baseline only.
//
// startup is scripts/bench.sh's start-up figure: it starts the command
// several times and measures from exec to the first 200 from /healthz,
// polling from this process, and reads the idle server's RSS.
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
	if err := run(ctx, os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "benchverify:", err)
		os.Exit(1)
	}
}
