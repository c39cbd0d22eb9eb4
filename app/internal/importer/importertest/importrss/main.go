// Command importrss measures the peak memory of the resident importer on
// one file, in a process of its own: "write KIND FILE" writes a test file
// (hostile: 700,000 one-cell rows; valid: 100,000 residents as XLSX;
// validcsv: the same as CSV; garbage: a 9.9 MB garbage CSV), "parse FILE"
// parses it and prints the outcome and the process's VmHWM (peak resident
// set size) from /proc/self/status. scripts/import-rss.sh runs both for
// every kind.
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/importer"
	"github.com/suratdesa/suratdesa/app/internal/importer/importertest"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "import-rss:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	switch {
	case len(args) == 3 && args[0] == "write":
		files := map[string]func() []byte{
			"hostile":  func() []byte { return importertest.HostileXLSX(700_000) },
			"valid":    func() []byte { return importertest.ValidXLSX(importer.MaxRows) },
			"validcsv": func() []byte { return importertest.ValidCSV(importer.MaxRows) },
			"garbage":  func() []byte { return importertest.GarbageCSV(9_900_000) },
		}
		f, ok := files[args[1]]
		if !ok {
			return fmt.Errorf("unknown kind %q", args[1])
		}
		return os.WriteFile(args[2], f(), 0o600)
	case len(args) == 2 && args[0] == "parse":
		data, err := os.ReadFile(args[1])
		if err != nil {
			return err
		}
		start := time.Now()
		recs, problems, err := importer.Parse(bytes.NewReader(data), filepath.Base(args[1]))
		elapsed := time.Since(start)
		kept := 0
		if problems != nil {
			kept = len(problems.Rows)
		}
		outcome := fmt.Sprintf("%d records, %d problems (%d kept)", len(recs), problems.Count(), kept)
		if err != nil {
			outcome = "refused: " + err.Error()
		}
		hwm, err := peakRSS()
		if err != nil {
			return err
		}
		fmt.Printf("%s\t%.1f KB\t%s\tpeak RSS %s\t%s\n", filepath.Base(args[1]), float64(len(data))/1024,
			elapsed.Round(time.Millisecond), hwm, outcome)
		return nil
	}
	return fmt.Errorf("usage: import-rss write hostile|valid|validcsv|garbage FILE | import-rss parse FILE")
}

// peakRSS is the VmHWM line of /proc/self/status.
func peakRSS() (string, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			return strings.TrimSpace(v), nil
		}
	}
	return "", fmt.Errorf("no VmHWM in /proc/self/status")
}
