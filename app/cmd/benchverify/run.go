package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/suratdesa/suratdesa/app/internal/auth"
	"github.com/suratdesa/suratdesa/app/internal/config"
	"github.com/suratdesa/suratdesa/app/internal/issuance"
	"github.com/suratdesa/suratdesa/app/internal/letters"
	"github.com/suratdesa/suratdesa/app/internal/logbuf"
	"github.com/suratdesa/suratdesa/app/internal/mandiri"
	"github.com/suratdesa/suratdesa/app/internal/metrics"
	"github.com/suratdesa/suratdesa/app/internal/notify"
	"github.com/suratdesa/suratdesa/app/internal/pdf"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/verify"
	"github.com/suratdesa/suratdesa/app/internal/web"
	lettertpl "github.com/suratdesa/suratdesa/templates/letters"
)

const usage = `usage:
  benchverify seed (--db FILE | --driver mysql --dsn DSN) [--n 100000] [--codes FILE]
  benchverify serve (--db FILE | --driver mysql --dsn DSN) [--addr 127.0.0.1:18080] [--bare-addr 127.0.0.1:18081]
                    [--log FILE] [--seconds 900] [--cpuprofile FILE]
  benchverify startup [--addr 127.0.0.1:18095] [--runs 5] [--idle 2s] -- COMMAND [ARG...]`

// cheapKDF seals the benchmark's keys quickly; the keys guard nothing.
var cheapKDF = auth.Params{Time: 1, Memory: 8 * 1024, Threads: 1}

// The passphrases of the benchmark's root CA and signer certificate.
const (
	rootPass = "akar-rahasia-123"
	signPass = "tanda-tangan-456"
)

// run is the whole program; ready, when not nil, is called once serve
// listens (tests use it).
func run(ctx context.Context, args []string, stderr io.Writer) error {
	return runWith(ctx, args, stderr, nil)
}

func runWith(ctx context.Context, args []string, stderr io.Writer, ready func(addr, bareAddr string)) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	fs := flag.NewFlagSet("benchverify "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", "", "SQLite database file (or --driver mysql --dsn DSN)")
	driver := fs.String("driver", "sqlite", "sqlite or mysql")
	dsn := fs.String("dsn", "", "MySQL DSN of an empty database (with --driver mysql)")
	// target is the database the flags name: driver, DSN and a directory
	// for the PDFs of the letters signed for real.
	target := func() (database, error) {
		switch {
		case *driver == "mysql" && *dsn != "":
			dir, err := os.MkdirTemp("", "benchverify")
			return database{driver: "mysql", dsn: *dsn, dir: dir}, err
		case *driver == "sqlite" && *db != "":
			return database{driver: "sqlite", dsn: *db, dir: filepath.Dir(*db)}, nil
		}
		return database{}, errors.New("--db FILE or --driver mysql --dsn DSN is required\n" + usage)
	}
	switch args[0] {
	case "seed":
		n := fs.Int("n", 100000, fmt.Sprintf("letters in all (at least %d)", realLetters))
		codes := fs.String("codes", "", "write every verification code to this file, one a line")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *n < realLetters {
			return fmt.Errorf("--n must be at least %d\n%s", realLetters, usage)
		}
		d, err := target()
		if err != nil {
			return err
		}
		start := time.Now()
		all, err := seed(ctx, d, *n)
		if err != nil {
			return err
		}
		if *codes != "" {
			if err := os.WriteFile(*codes, []byte(strings.Join(all, "\n")+"\n"), 0o600); err != nil {
				return err
			}
		}
		fmt.Fprintf(stderr, "seeded %d letters (%d signed for real) into %s %s in %s\n", len(all), realLetters, d.driver,
			d.dsn, time.Since(start).Round(time.Second))
		return nil
	case "serve":
		addr := fs.String("addr", "127.0.0.1:18080", "address of the application")
		bareAddr := fs.String("bare-addr", "127.0.0.1:18081", "address of the bare Gin handler")
		logPath := fs.String("log", "", "write the access log here (default: discard)")
		secs := fs.Int("seconds", 900, "stop after this many seconds")
		profile := fs.String("cpuprofile", "", "write a CPU profile of the whole run here")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *profile != "" {
			f, err := os.Create(*profile)
			if err != nil {
				return err
			}
			defer f.Close()
			if err := pprof.StartCPUProfile(f); err != nil {
				return err
			}
			defer pprof.StopCPUProfile()
		}
		d, err := target()
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(ctx, time.Duration(*secs)*time.Second)
		defer cancel()
		return serve(ctx, d, *addr, *bareAddr, *logPath, stderr, ready)
	case "startup":
		addr := fs.String("addr", "127.0.0.1:18095", "address whose /healthz the command serves")
		runs := fs.Int("runs", 5, "start the command this many times; the fastest counts")
		idle := fs.Duration("idle", 2*time.Second, "how long the last run idles before its RSS is read")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		res, err := startup(ctx, *addr, *runs, *idle, fs.Args())
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "startup_ms %.1f\nidle_rss_kb %d\n", float64(res.Best.Microseconds())/1000, res.RSSKB)
		return nil
	default:
		return fmt.Errorf("unknown command %q\n%s", args[0], usage)
	}
}

// database names the benchmark's database: its driver and DSN, and the
// directory of the PDFs signed for real.
type database struct {
	driver, dsn, dir string
}

// newIssuance is the issuance service of the benchmark; signed PDFs go
// under storageDir/letters, next to the database.
func newIssuance(st *store.Store, baseURL, storageDir string) (*issuance.Service, error) {
	cat, err := letters.Load(lettertpl.FS)
	if err != nil {
		return nil, err
	}
	r, err := pdf.NewRenderer()
	if err != nil {
		return nil, err
	}
	return issuance.New(issuance.Deps{Store: st, Catalogue: cat, Renderer: r, StorageDir: storageDir,
		BaseURL: baseURL, KDF: cheapKDF})
}

// serve runs the application and the bare handler until ctx ends.
func serve(ctx context.Context, d database, addr, bareAddr, logPath string, stderr io.Writer, ready func(addr, bareAddr string)) error {
	var handler slog.Handler = slog.DiscardHandler
	if logPath != "" {
		f, err := os.Create(logPath)
		if err != nil {
			return err
		}
		defer f.Close()
		// Buffered as app serve buffers its stdout (package logbuf).
		lw := logbuf.New(f, logbuf.Interval)
		defer lw.Close()
		handler = lw.Handler(slog.NewTextHandler(lw, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	log := slog.New(handler)
	st, err := store.Open(ctx, store.Options{Driver: d.driver, DSN: d.dsn, Log: log})
	if err != nil {
		return err
	}
	defer st.Close()

	var lns [2]net.Listener
	for i, a := range []string{addr, bareAddr} {
		if lns[i], err = net.Listen("tcp", a); err != nil {
			return err
		}
		defer lns[i].Close()
	}
	base := "http://" + lns[0].Addr().String()
	iss, err := newIssuance(st, base, d.dir)
	if err != nil {
		return err
	}
	ver, err := verify.New(verify.Deps{Store: st, Catalogue: iss.Builtin(), Now: time.Now})
	if err != nil {
		return err
	}
	// As app serve runs it (a job stopped before the store closes).
	watchCtx, stopWatch := context.WithCancel(ctx)
	var watching sync.WaitGroup
	defer func() { stopWatch(); watching.Wait() }()
	watching.Go(func() { ver.Watch(watchCtx, log) })
	mand, err := mandiri.New(mandiri.Deps{Store: st, Issuance: iss, StorageDir: d.dir, Now: time.Now,
		PINParams: auth.DefaultParams, Log: log})
	if err != nil {
		return err
	}
	notes, err := notify.New(notify.Deps{Store: st, Modules: iss, BaseURL: base, Log: log})
	if err != nil {
		return err
	}
	srv, err := web.New(web.Deps{Log: log, Store: st, Config: config.Config{BaseURL: base, Secret: strings.Repeat("b", 32)},
		Now: time.Now, PasswordParams: auth.DefaultParams, Issuance: iss, Verify: ver, Mandiri: mand, Notify: notes,
		RateLimits: &web.RateLimits{Disabled: true}, Metrics: metrics.New(st)})
	if err != nil {
		return err
	}
	bare := gin.New()
	bare.GET("/bare", func(c *gin.Context) { c.String(http.StatusOK, "ok") })

	errc := make(chan error, 2)
	for i, h := range []http.Handler{srv.Handler(), bare} {
		hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 2 * time.Minute,
			WriteTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute, ConnContext: web.ConnContext}
		ln := lns[i]
		if i == 0 {
			ln = web.Listener(ln) // as app serve runs it; the bare handler runs bare
		}
		go func() { errc <- hs.Serve(ln) }()
		defer hs.Close()
	}
	fmt.Fprintf(stderr, "benchverify: app on %s, bare gin on %s\n", lns[0].Addr(), lns[1].Addr())
	if ready != nil {
		ready(lns[0].Addr().String(), lns[1].Addr().String())
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		return nil
	}
}
