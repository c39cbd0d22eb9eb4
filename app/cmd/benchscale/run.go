package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"time"
)

const usage = `usage:
  benchscale seed  --driver sqlite|mysql --dsn DSN [--villages 300] [--residents 300000] [--big 100000] [--letters 200000] [--big-history 25000]
  benchscale pages --driver sqlite|mysql --dsn DSN [--n 30]`

func run(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	fs := flag.NewFlagSet("benchscale "+args[0], flag.ContinueOnError)
	fs.SetOutput(out)
	driver := fs.String("driver", "sqlite", "sqlite or mysql")
	dsn := fs.String("dsn", "", "SQLite file or MySQL DSN of an empty database")
	switch args[0] {
	case "seed":
		var o seedOptions
		fs.IntVar(&o.villages, "villages", 300, "villages")
		fs.IntVar(&o.residents, "residents", 300000, "residents in all")
		fs.IntVar(&o.big, "big", 100000, "residents of the first village")
		fs.IntVar(&o.letters, "letters", 200000, "signed letters in all")
		fs.IntVar(&o.history, "big-history", 25000, "more signed letters of the first village, over the four years before this one")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *dsn == "" || o.villages < 2 || o.big > o.residents {
			return errors.New(usage)
		}
		start := time.Now()
		err := seed(ctx, *driver, *dsn, o, func(f string, a ...any) { fmt.Fprintf(out, "benchscale: "+f+"\n", a...) })
		fmt.Fprintf(out, "benchscale: seeded in %s\n", time.Since(start).Round(time.Second))
		return err
	case "pages":
		n := fs.Int("n", 30, "requests per page")
		profile := fs.String("cpuprofile", "", "write a CPU profile of the timed requests here")
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
		if *dsn == "" {
			return errors.New(usage)
		}
		return pages(ctx, *driver, *dsn, *n, out)
	}
	return fmt.Errorf("unknown command %q\n%s", args[0], usage)
}
