#!/bin/sh
# Runs every fuzz target for FUZZTIME each (default 30s). Their seed
# corpora already run in every `go test`; this explores beyond them. A
# failing input is written under the package's testdata/fuzz/ and the
# script stops with the fuzzer's exit status. FUZZPARALLEL sets the
# workers per target (default 1, the machine is shared).
set -eu
cd "$(dirname "$0")/.."
time=${FUZZTIME:-30s}
par=${FUZZPARALLEL:-1}
for target in \
	./app/internal/surat:FuzzParseNIK \
	./app/internal/importer:FuzzParseCSV \
	./app/internal/importer:FuzzParseXLSX \
	./app/internal/sign:FuzzVerify \
	./app/internal/letters:FuzzParseModule; do
	pkg=${target%%:*}
	name=${target#*:}
	echo "== $name ($pkg, $time)"
	go test -run '^$' -fuzz "^$name\$" -fuzztime "$time" -parallel "$par" "$pkg"
done
