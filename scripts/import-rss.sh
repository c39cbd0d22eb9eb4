#!/bin/sh
# Peak memory (VmHWM) of the resident importer per file, each parsed in a
# fresh process: the hostile workbook of issue 12 (700,000 one-cell rows),
# a valid 100,000-resident register as XLSX and CSV, and a 9.9 MB garbage
# CSV. Targets: under 200 MB for the hostile file.
set -eu
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
go build -o "$dir/import-rss" ./app/internal/importer/importertest/importrss
for kind in hostile valid validcsv garbage; do
	case $kind in hostile | valid) ext=xlsx ;; *) ext=csv ;; esac
	"$dir/import-rss" write "$kind" "$dir/$kind.$ext"
	"$dir/import-rss" parse "$dir/$kind.$ext"
done
