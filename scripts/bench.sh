#!/usr/bin/env bash
# bench.sh: every performance figure of issue 15 with one command, printed
# as one table (metric, value, floor measured in the same run, ratio).
#
#   scripts/bench.sh                    # the full run (about 20-30 minutes)
#   QUICK=1 scripts/bench.sh            # smaller sizes, a few minutes
#
# Figures are measured on this machine, with the load generator (wrk) on the
# same cores, so compare ratios more than absolute values. Environment:
#   MYSQL=root@tcp(127.0.0.1:3306)/  server DSN; each MySQL step creates and drops its own database
#   SIZES="10000 1000000"             letters of the public check, per engine
#   DURATION=15s                      wrk time per target
#   ROUNDS=3                          public check: rounds of the bare handler
#                                     and the pages in turn, median ratio
#                                     (scripts/bench-verify.sh)
#   SKIP_MYSQL=1                      only SQLite
#   PIN=1                             public check with the server and wrk on
#                                     separate cores (see scripts/bench-verify.sh)
# Needs wrk, curl and the mysql client (for MariaDB steps).
#
# What is measured:
#   render        a one-page letter against a bare gofpdf render of the same
#                 letter with a core font (pdf.BenchmarkRenderVsFloor)
#   signed size   bytes of a one-page signed letter (issuance)
#   batch sign    500 letters drafted and submitted, then approved and
#                 signed with one ApproveAndSignBatch call as the batch page
#                 does, on SQLite: letters/s end to end and for the signing
#                 call, and the process's peak RSS; also the letters approved
#                 one by one first and signed with one SignBatch call, and
#                 the first batch again with its files on tmpfs (/dev/shm)
#   public check  /v/<code> against a bare Gin handler in the same wrk run,
#                 the median of ROUNDS rounds of the two in turn,
#                 for each engine and size (scripts/bench-verify.sh; the
#                 rate limit is off through web.RateLimits.Disabled, which
#                 exists for this benchmark only): scans spread over all
#                 letters, and over the 20,000 signed last, which the
#                 replica's letter cache holds; with the share of scans read
#                 from the database and the codes each query read
#   kabupaten     the kabupaten pages, and the big village's dashboard,
#                 archive, household list and search, and name search, at
#                 300 villages, 300,000 residents (100,000 in one village)
#                 and 200,000 letters this year, with 25,000 more of the big
#                 village over the four years before, on MariaDB and on
#                 SQLite
#                 (app/cmd/benchscale; the letters are signed rows without
#                 PDFs, which these pages never open)
#   start-up      time from exec to /healthz (benchverify startup) and the
#                 idle RSS of `app serve`
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
MYSQL=${MYSQL:-root@tcp(127.0.0.1:3306)/}
if [ -n "${QUICK:-}" ]; then
  SIZES=${SIZES:-"10000 100000"}; DURATION=${DURATION:-8s}; ROUNDS=${ROUNDS:-1}
  SCALE="--villages 60 --residents 60000 --big 20000 --letters 40000 --big-history 5000"
else
  SIZES=${SIZES:-"10000 1000000"}; DURATION=${DURATION:-15s}; ROUNDS=${ROUNDS:-3}
  SCALE="--villages 300 --residents 300000 --big 100000 --letters 200000 --big-history 25000"
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/bench.XXXXXX")
dbs=()
pool_before=
cleanup() {
  for d in "${dbs[@]}"; do mysql_cli -e "DROP DATABASE IF EXISTS $d" >/dev/null 2>&1 || true; done
  if [ -n "$pool_before" ]; then mysql_cli -e "SET GLOBAL innodb_buffer_pool_size = $pool_before" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
rows=()
row() { rows+=("$(printf '%s\t%s\t%s\t%s' "$1" "$2" "${3:--}" "${4:--}")"); echo "   $1: $2 ${3:+(floor $3)} ${4:+ratio $4}"; }
metric() { awk -v m="$2" '{for (i = 1; i < NF; i++) if ($(i+1) == m) print $i}' "$1" | tail -n 1; }

# mysql_cli runs the mysql client against the server of $MYSQL.
mysql_cli() {
  local hostport=${MYSQL#*@tcp(}; hostport=${hostport%%)*}
  local user=${MYSQL%%@*}; user=${user%%:*}
  mysql -h "${hostport%:*}" -P "${hostport#*:}" -u "$user" "$@"
}
# newdb creates a MySQL database, remembers it for cleanup and sets dsn to
# its DSN. It runs in this shell (not in $(...)) so that dbs keeps the name.
newdb() {
  local name="suratdesa_bench_$1_$$"
  mysql_cli -e "CREATE DATABASE $name CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
  dbs+=("$name")
  dsn="${MYSQL%/}/$name"
}

echo "== render"
go test -run '^$' -bench 'RenderVsFloor$' -benchtime 300x -count 3 ./app/internal/pdf >"$work/render.txt"
r=$(grep '^BenchmarkRenderVsFloor' "$work/render.txt" | sort -t$'\t' -k1 | awk '{for (i=1;i<NF;i++) if ($(i+1)=="ratio") print $i}' | sort -n | sed -n 2p)
line=$(grep '^BenchmarkRenderVsFloor' "$work/render.txt" | awk -v r="$r" '{for (i=1;i<NF;i++) if ($(i+1)=="ratio" && $i==r) print}' | head -n 1)
row "render, one-page letter (ms, median of 3 runs)" "$(echo "$line" | awk '{for (i=1;i<NF;i++) if ($(i+1)=="render-ms") print $i}')" \
  "$(echo "$line" | awk '{for (i=1;i<NF;i++) if ($(i+1)=="floor-ms") print $i}')" "$r"

echo "== signed size"
go test -run '^$' -bench 'RenderAndSign/sign$' -benchtime 20x ./app/internal/issuance >"$work/sign.txt"
row "signed one-page letter (bytes)" "$(metric "$work/sign.txt" signed-bytes)" "20480" \
  "$(awk -v b="$(metric "$work/sign.txt" signed-bytes)" 'BEGIN {printf "%.2f", b / 20480}')"

echo "== batch signing (500 letters, SQLite)"
go test -run '^$' -bench 'SignBatch500/approve-and-sign$' -benchtime 1x -count 3 ./app/internal/issuance >"$work/batch.txt"
go test -run '^$' -bench 'SignBatch500/approve-then-sign$' -benchtime 1x -count 3 ./app/internal/issuance >"$work/batch-then.txt"
best() { awk -v m="$1" '{for (i=1;i<NF;i++) if ($(i+1)==m) print $i}' "${2:-$work/batch.txt}" | sort -n | tail -n 1; }
row "batch sign, end to end (letters/s, best of 3)" "$(best letters/s)" "200" "$(awk -v v="$(best letters/s)" 'BEGIN {printf "%.2f", v / 200}')"
row "batch sign, the ApproveAndSignBatch call (letters/s, best of 3)" "$(best signed/s)" "200" "$(awk -v v="$(best signed/s)" 'BEGIN {printf "%.2f", v / 200}')"
row "batch sign, peak RSS of the process (MB)" "$(best peak-rss-MB)"
row "batch, approved one by one first, end to end (letters/s, best of 3)" "$(best letters/s "$work/batch-then.txt")" "200" \
  "$(awk -v v="$(best letters/s "$work/batch-then.txt")" 'BEGIN {printf "%.2f", v / 200}')"
# The same batch with its database and PDFs on tmpfs: on a machine whose
# disk makes creating a file expensive (1 ms of kernel CPU a file was seen
# on one virtual machine here, against 25 µs on tmpfs), the difference is
# that cost, one PDF file per letter.
if [ -d /dev/shm ] && [ -w /dev/shm ] && [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ]; then
  TMPDIR=/dev/shm go test -run '^$' -bench 'SignBatch500/approve-and-sign$' -benchtime 1x -count 3 ./app/internal/issuance >"$work/batch-shm.txt"
  row "batch sign, end to end, storage on tmpfs (letters/s, best of 3)" "$(best letters/s "$work/batch-shm.txt")" "200" \
    "$(awk -v v="$(best letters/s "$work/batch-shm.txt")" 'BEGIN {printf "%.2f", v / 200}')"
fi

echo "== public check"
engines=sqlite
if [ -z "${SKIP_MYSQL:-}" ]; then
  engines="sqlite mysql"
  # The MariaDB steps run with a 1 GiB buffer pool, as docker-compose.yml
  # configures a deployment (the server's default of 128 MiB holds a
  # tenth of 1,000,000 letters); the size before is restored at exit.
  pool_before=$(mysql_cli -N -e "SELECT @@innodb_buffer_pool_size")
  mysql_cli -e "SET GLOBAL innodb_buffer_pool_size = 1073741824"
fi
for engine in $engines; do
  for n in $SIZES; do
    echo "-- $engine, $n letters"
    if [ "$engine" = mysql ]; then
      newdb "verify$n"
      DRIVER=mysql DSN="$dsn" N=$n DURATION=$DURATION ROUNDS=$ROUNDS scripts/bench-verify.sh >"$work/verify-$engine-$n.txt"
    else
      N=$n DURATION=$DURATION ROUNDS=$ROUNDS scripts/bench-verify.sh >"$work/verify-$engine-$n.txt"
    fi
    f="$work/verify-$engine-$n.txt"
    # field LABEL-REGEX WORD: the value before (or after, for p99) WORD on the line.
    before() { awk -v w="$2" "/$1/"' {for (i=2;i<=NF;i++) if ($i==w) print $(i-1)}' "$f"; }
    after() { awk -v w="$2" "/$1/"' {for (i=1;i<NF;i++) if ($i==w) print $(i+1)}' "$f"; }
    for kind in plain gzip hot hotgzip; do
      case $kind in
        plain) re='^\/v\/<code>,'; label="" ;;
        gzip) re='^\/v\/<code> gzip,'; label=" gzip" ;;
        hot) re='^\/v\/<code> recent'; label=" recent ${HOT:-20000}" ;;
        hotgzip) re='^\/v\/<code> gzip recent'; label=" gzip recent ${HOT:-20000}" ;;
      esac
      grep -q "$re" "$f" || continue
      row "public check /v$label, $engine, $n letters (req/s)" "$(before "$re" req/s | head -n 1)" "$(after "$re" floor)" "$(after "$re" ratio)"
      row "public check /v$label, $engine, $n letters (p99)" "$(after "$re" p99)" "20ms"
      row "public check /v$label, $engine, $n letters (p99 in the server's handler)" "$(after "$re" handler-p99)"
      row "public check /v$label, $engine, $n letters (CPU us/request: app, database)" \
        "$(after "$re" CPU | head -n 1), $(after "$re" CPU | tail -n 1)" "$(after '^bare Gin handler' CPU | head -n 1)"
      row "public check /v$label, $engine, $n letters (database reads: codes per scan / per query)" "$(after "$re" db-reads)"
    done
    row "public check, $engine, $n letters (server peak RSS, MB)" "$(awk '/server RSS/ {print $6}' "$f")"
  done
done

# pages_rows adds a row per line of benchscale pages' output in $1, each
# name followed by $2.
pages_rows() {
  while IFS=$'\t' read -r name med p95; do
    case "$name" in
      name*) floor=5 ;;
      *) floor=100 ;;
    esac
    row "$name$2 (ms, median; p95 $p95)" "$med" "$floor" "$(awk -v a="$med" -v b="$floor" 'BEGIN {printf "%.2f", a / b}')"
  done <"$1"
}

go build -o "$work/benchscale" ./app/cmd/benchscale
if [ -z "${SKIP_MYSQL:-}" ]; then
  echo "== kabupaten pages and name search (MariaDB)"
  newdb scale
  # shellcheck disable=SC2086
  "$work/benchscale" seed --driver mysql --dsn "$dsn" $SCALE
  "$work/benchscale" pages --driver mysql --dsn "$dsn" --n 30 >"$work/pages.txt"
  pages_rows "$work/pages.txt" ""
fi
# The same pages on SQLite, which a deployment of one village runs, without
# the statistics (ANALYZE) it never gathers.
echo "== kabupaten pages and name search (SQLite)"
# shellcheck disable=SC2086
"$work/benchscale" seed --driver sqlite --dsn "$work/scale.db" $SCALE
"$work/benchscale" pages --driver sqlite --dsn "$work/scale.db" --n 30 >"$work/pages-sqlite.txt"
pages_rows "$work/pages-sqlite.txt" ", SQLite"
rm -f "$work"/scale.db*

echo "== start-up and idle memory"
go build -o "$work/app" ./app
go build -o "$work/benchverify" ./app/cmd/benchverify
mkdir -p "$work/st"
APP_STORAGE="$work/st" APP_DSN="$work/st/a.db" "$work/app" migrate up >/dev/null
secret=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
# benchverify startup polls /healthz every millisecond from its own
# process: a curl started for each poll took 27 ms to start on a two-core
# machine, which the figure then held.
APP_STORAGE="$work/st" APP_DSN="$work/st/a.db" APP_ADDR=127.0.0.1:18095 APP_SECRET="$secret" \
  "$work/benchverify" startup --addr 127.0.0.1:18095 --runs 5 --idle 2s -- "$work/app" serve 2>"$work/startup.txt" \
  || { cat "$work/startup.txt"; exit 1; }
best_ms=$(awk '$1 == "startup_ms" {print $2}' "$work/startup.txt")
rss=$(awk '$1 == "idle_rss_kb" {print $2}' "$work/startup.txt")
row "start-up to /healthz (ms, best of 5)" "$best_ms" "150" "$(awk -v a="$best_ms" 'BEGIN {printf "%.2f", a / 150}')"
row "idle RSS of app serve (MB)" "$(awk -v k="$rss" 'BEGIN {printf "%.1f", k / 1024}')" "60" "$(awk -v k="$rss" 'BEGIN {printf "%.2f", k / 1024 / 60}')"

echo
echo "== results ($(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%-62s %12s %12s %8s\n' metric value floor ratio
for r in "${rows[@]}"; do
  IFS=$'\t' read -r a b c d <<<"$r"
  printf '%-62s %12s %12s %8s\n' "$a" "$b" "$c" "$d"
done
