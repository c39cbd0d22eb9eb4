#!/usr/bin/env bash
# bench-verify.sh: wrk benchmark of the public verification page /v/<code>
# (issue 5, item 8) against a SQLite database holding N signed letters, and
# of a bare Gin handler measured in the same run for comparison.
#
#   scripts/bench-verify.sh                 # N=100000, 30 s per target
#   N=20000 DURATION=10s scripts/bench-verify.sh
#   DRIVER=mysql DSN='root@tcp(127.0.0.1:3306)/empty_db' scripts/bench-verify.sh
#
# What it does:
#   1. builds app/cmd/benchverify, the benchmark's own program (not part of
#      the application binary);
#   2. benchverify seed: a fresh SQLite database with one village, a root
#      CA, a signer certificate and N letters: 24 drafted, approved, rendered
#      and PAdES-signed through the issuance service, the others inserted in
#      one transaction as copies of those rows with their own random
#      verification code, number and subject name (every 50th revoked);
#   3. benchverify serve: the real web.Server on that database with the
#      rate limits switched off (web.Deps.RateLimits.Disabled, which exists
#      for this benchmark only; production always limits), the access log at
#      info level written to a file, plus a bare Gin engine whose only route
#      writes "ok";
#   4. wrk against the bare handler, then against /v/<random existing code>
#      (scripts/bench-verify.lua), plainly and as a phone's browser asks
#      (Accept-Encoding: gzip), and prints requests/s, p99 and the CPU time
#      per request of the server (and of MariaDB, when it runs here), the
#      p99 of the time the server's handler took (its access log), and
#      db-reads: the share of scans read from the database, not the letter
#      cache, and the codes a query read (/metrics; MySQL reads a batch);
#   5. the same two against the HOT letters signed last only, and the
#      server's RSS.
#
# Each run's line is printed indented as it ends; then, unindented, the bare
# handler's line and each page's line with the requests/s of the bare
# handler in the same round (floor) and the ratio. ROUNDS=3 measures the
# bare handler and the pages three times, in turn, and gives each page the
# round with the median ratio to the bare handler of its own round.
# This machine's throughput drifts by 15-25% from one run to the next, the
# bare handler's as much as the page's, so one pair of runs can land
# anywhere in that band.
#
# Needs wrk (Debian: apt-get install wrk) and curl. wrk and the server share
# this machine's cores, so figures are a floor for a dedicated server.
#
# PIN=1 runs the server on the first core and wrk (one thread) on the
# second (taskset), so that neither waits for the other's time slice. On a
# machine whose two cores both run wrk and the server, wrk's p99 is mostly
# time a request waited for wrk's own thread to be scheduled: this shows
# the server's tail alone. A database server on this machine is not
# pinned. The bare handler is then held back by wrk's one thread, so take
# the ratios from a run without PIN.
set -euo pipefail

N=${N:-100000}
DRIVER=${DRIVER:-sqlite}
DSN=${DSN:-}
DURATION=${DURATION:-30s}
# HOT: the letters signed last that the second pair of runs scans (about a
# month of a kabupaten's letters); no second pair when N is not larger.
HOT=${HOT:-20000}
# WARMUP: load before measuring. A large database needs longer for its
# pages to be mapped into the server, as they are in a server that has run
# for a few minutes (30 s at 500,000 letters or more).
if [ "$N" -ge 500000 ]; then WARMUP=${WARMUP:-30s}; else WARMUP=${WARMUP:-5s}; fi
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-1}
CONNECTIONS=${CONNECTIONS:-50}
server_cpu=() wrk_cpu=()
if [ -n "${PIN:-}" ]; then
  command -v taskset >/dev/null || { echo "bench-verify: PIN needs taskset (apt-get install util-linux)" >&2; exit 1; }
  [ "$(nproc)" -ge 2 ] || { echo "bench-verify: PIN needs two cores" >&2; exit 1; }
  server_cpu=(taskset -c 0) wrk_cpu=(taskset -c 1) THREADS=1
fi
ADDR=${ADDR:-127.0.0.1:18080}
BARE_ADDR=${BARE_ADDR:-127.0.0.1:18081}

root=$(cd "$(dirname "$0")/.." && pwd)
for tool in wrk curl go; do
  command -v "$tool" >/dev/null || { echo "bench-verify: $tool is not installed (apt-get install $tool)" >&2; exit 1; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-verify.XXXXXX")
server=
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "== building"
(cd "$root" && go build -o "$work/benchverify" ./app/cmd/benchverify)

if [ "$DRIVER" = mysql ]; then
  [ -n "$DSN" ] || { echo "bench-verify: DRIVER=mysql needs DSN of an empty database" >&2; exit 1; }
  target=(--driver mysql --dsn "$DSN")
else
  target=(--db "$work/bench.db")
fi

echo "== seeding $N letters ($DRIVER)"
start=$(date +%s)
"$work/benchverify" seed "${target[@]}" --n "$N" --codes "$work/codes.txt" >"$work/seed.log" 2>&1 \
  || { cat "$work/seed.log"; exit 1; }
echo "   $(wc -l <"$work/codes.txt") codes in $(( $(date +%s) - start )) s"

echo "== starting the server"
"${server_cpu[@]}" "$work/benchverify" serve "${target[@]}" --addr "$ADDR" --bare-addr "$BARE_ADDR" \
  --log "$work/access.log" >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 100); do
  curl -fsS -o /dev/null "http://$ADDR/healthz" 2>/dev/null && break
  sleep 0.2
done
code=$(head -n 1 "$work/codes.txt")
status=$(curl -s -o "$work/page.html" -w '%{http_code}' "http://$ADDR/v/$code")
[ "$status" = 200 ] || { echo "GET /v/$code = $status"; cat "$work/serve.log"; exit 1; }
echo "   GET /v/$code = 200, $(wc -c <"$work/page.html") bytes"

# cpu_ticks: user+system CPU the server process has used, in clock ticks;
# db_ticks the same of the MySQL server when it runs on this machine.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }
dbpid=
if [ "$DRIVER" = mysql ]; then dbpid=$(pidof mariadbd mysqld 2>/dev/null | awk '{print $1}') || true; fi
db_ticks() { if [ -n "$dbpid" ]; then awk '{print $14 + $15}' "/proc/$dbpid/stat"; else echo 0; fi; }
hz=$(getconf CLK_TCK)
# db_reads: the codes the public check has read from the database and its
# queries (suratdesa_verify_db_*_total on /metrics, which answers loopback).
db_reads() {
  curl -fsS "http://$ADDR/metrics" | awk '$1 == "suratdesa_verify_db_codes_total" {c = $2}
    $1 == "suratdesa_verify_db_queries_total" {q = $2} END {printf "%d %d\n", c, q}'
}

# run KEY LABEL WRK-ARGS...: one wrk run of round $round; its line goes to
# stdout (indented when there are several rounds) and to $work/KEY.ROUND.line,
# its requests/s to $work/KEY.ROUND.rps.
round=1
run() {
  local key=$1 label=$2; shift 2
  local before after dbbefore dbafter logged
  # The server writes its log every 200 ms (package logbuf): wait for the
  # lines of the run before, so that they are not counted in this one, and
  # after the run for its last lines.
  sleep 0.5
  logged=$(wc -l <"$work/access.log")
  read -r codes0 queries0 < <(db_reads)
  before=$(cpu_ticks); dbbefore=$(db_ticks)
  local out="$work/$key.$round.txt"
  "${wrk_cpu[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$@" >"$out"
  after=$(cpu_ticks); dbafter=$(db_ticks)
  read -r codes1 queries1 < <(db_reads)
  sleep 0.5
  # handler-p99: the 99th percentile of the time the server spent on a
  # request, from its access log (none for the bare handler). wrk's p99
  # adds the time a request waited for a core, which wrk and the server
  # share here.
  local hp99
  hp99=$(tail -n +"$((logged + 1))" "$work/access.log" | { grep -a -v ' path=/metrics ' || true; } |
    { grep -a -o 'duration_ms=[0-9.]*' || true; } | cut -d= -f2 | sort -g |
    awk '{a[NR] = $1} END {if (NR == 0) print "-"; else printf "%.2fms", a[int((NR * 99 + 99) / 100)]}')
  [ "$key" != bare ] || hp99=- # the bare handler writes no log
  local rps p99 errs total us dbus
  rps=$(awk '/^Requests\/sec/ {print $2}' "$out")
  p99=$(awk '$1 == "99%" {print $2}' "$out")
  errs=$(awk '/Non-2xx/ {print $5}' "$out")
  total=$(awk '/requests in/ {print $1}' "$out")
  # Server CPU per request: independent of what else runs on the machine.
  us=$(awk -v t=$((after - before)) -v hz="$hz" -v n="$total" 'BEGIN {printf "%.0f", t / hz * 1e6 / n}')
  dbus=$(awk -v t=$((dbafter - dbbefore)) -v hz="$hz" -v n="$total" 'BEGIN {printf "%.0f", t / hz * 1e6 / n}')
  # reads: the share of the scans read from the database (the rest came
  # from the letter cache) and the codes each query read (MySQL batches).
  local reads=-
  if [ "$key" != bare ]; then
    reads=$(awk -v c=$((codes1 - codes0)) -v q=$((queries1 - queries0)) -v n="$total" \
      'BEGIN {printf "%.2f/%.2f", c / n, (q > 0 ? c / q : 0)}')
  fi
  printf '%-30s %10s req/s   p99 %8s   server CPU %5s us/request   database CPU %5s us/request   non-2xx %s   handler-p99 %s   db-reads %s\n' \
    "$label" "$rps" "$p99" "$us" "$dbus" "${errs:-0}" "$hp99" "$reads" >"$work/$key.$round.line"
  echo "$rps" >"$work/$key.$round.rps"
  echo "  round $round: $(cat "$work/$key.$round.line")"
  [ -z "${VERBOSE:-}" ] || cat "$out"
}

# median KEY: the line of KEY's round with the median ratio to the bare
# handler of the same round (the lower middle one for an even count), with
# that bare handler's requests/s and the ratio appended.
median() {
  local key=$1 r
  r=$(for ((i = 1; i <= ROUNDS; i++)); do
    awk -v i=$i -v a="$(cat "$work/$key.$i.rps")" -v b="$(cat "$work/bare.$i.rps")" 'BEGIN {printf "%.6f %d\n", a / b, i}'
  done | sort -g | awk -v n="$ROUNDS" 'NR == int((n + 1) / 2) {print $2}')
  printf '%s   floor %s req/s   ratio %s\n' "$(cat "$work/$key.$r.line")" "$(cat "$work/bare.$r.rps")" \
    "$(awk -v a="$(cat "$work/$key.$r.rps")" -v b="$(cat "$work/bare.$r.rps")" 'BEGIN {printf "%.2f", a / b}')"
}

# rounds [--bare] KEY|LABEL|WRK-ARGS...: ROUNDS rounds of the bare handler
# and each page, each run's line indented, then the median line of each
# page; with --bare first, also the bare handler's line of round 1.
rounds() {
  local spec key label args show=
  if [ "$1" = --bare ]; then show=1; shift; fi
  for ((round = 1; round <= ROUNDS; round++)); do
    run bare "bare Gin handler" "http://$BARE_ADDR/bare"
    for spec in "$@"; do
      IFS='|' read -r key label args <<<"$spec"
      # shellcheck disable=SC2086
      run "$key" "$label" $args
    done
  done
  [ -z "$show" ] || cat "$work/bare.1.line"
  for spec in "$@"; do
    IFS='|' read -r key label args <<<"$spec"
    median "$key"
  done
}

echo "== warm-up ($WARMUP)"
"${wrk_cpu[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -s "$root/scripts/bench-verify.lua" "http://$ADDR" -- "$work/codes.txt" >/dev/null

echo "== wrk -t$THREADS -c$CONNECTIONS -d$DURATION on $(nproc) cores${PIN:+ (server on core 0, wrk on core 1)}, load average $(cut -d' ' -f1-3 /proc/loadavg)"
lua="$root/scripts/bench-verify.lua"
rounds --bare "verify|/v/<code>, $N letters|-s $lua http://$ADDR -- $work/codes.txt" \
  "verifygz|/v/<code> gzip, $N letters|-s $lua http://$ADDR -- $work/codes.txt gzip"
# The same with the scans spread over the HOT letters signed last only: QR
# codes are scanned mostly in the weeks after signing, and these letters fit
# the replica's letter cache (verify/letter_cache.go), which the scans above,
# spread evenly over all N letters, mostly miss.
if [ "$N" -gt "$HOT" ]; then
  tail -n "$HOT" "$work/codes.txt" >"$work/hot.txt"
  "${wrk_cpu[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -s "$root/scripts/bench-verify.lua" "http://$ADDR" -- "$work/hot.txt" >/dev/null
  rounds "verifyhot|/v/<code> recent $HOT, $N letters|-s $lua http://$ADDR -- $work/hot.txt" \
    "verifyhotgz|/v/<code> gzip recent $HOT, $N letters|-s $lua http://$ADDR -- $work/hot.txt gzip"
fi
echo "   server RSS $(awk '/VmRSS/ {printf "%.1f MB", $2 / 1024}' "/proc/$server/status"), peak $(awk '/VmHWM/ {printf "%.1f MB", $2 / 1024}' "/proc/$server/status")"
