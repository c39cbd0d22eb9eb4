package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestSeedAndPages seeds a small kabupaten and times its pages once: the
// tool works end to end and prints one line per measured page.
func TestSeedAndPages(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "scale.db")
	var out bytes.Buffer
	if err := run(ctx, []string{"seed", "--driver", "sqlite", "--dsn", db, "--villages", "3", "--residents", "40",
		"--big", "20", "--letters", "30", "--big-history", "40"}, &out); err != nil {
		t.Fatalf("seed: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"pages", "--driver", "sqlite", "--dsn", db, "--n", "1"}, &out); err != nil {
		t.Fatalf("pages: %v\n%s", err, out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 18 || !strings.HasPrefix(lines[0], "kabupaten dashboard\t") ||
		!strings.HasPrefix(lines[3], "village dashboard, big village\t") ||
		!strings.HasPrefix(lines[8], "household list, big village\t") ||
		!strings.HasPrefix(lines[9], "household search, big village (head: santo)\t") ||
		!strings.HasPrefix(lines[17], "name search query, store (xyz)\t") {
		t.Errorf("pages printed:\n%s", out.String())
	}
}
