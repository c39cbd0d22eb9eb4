#!/usr/bin/env bash
# cluster-test.sh: suratdesa on a three-node MariaDB Galera cluster on this
# machine, with three app replicas (one per node) sharing one APP_STORAGE
# directory as the blob store. It signs LETTERS letters concurrently across
# the replicas, kills node 3 (SIGKILL) mid-run, then checks: every letter
# signed once with unique, consecutive numbers (SQL on the surviving
# nodes), no PDF file without its letter, every PDF downloadable and the
# same bytes from every live replica and valid for pdfsig, a revocation on
# one replica visible on all within a second. Figures go to stdout.
#
#   scripts/cluster-test.sh                 # LETTERS=300 WORKERS=6
#   KEEP=1 scripts/cluster-test.sh          # leave the cluster and logs in $WORK
#
# Needs (Debian): apt-get install -y galera-4 mariadb-server rsync poppler-utils
# Ports: MariaDB 3311-3313, Galera group 4571-4573, IST 4581-4583, SST
# 4591-4593, the app 18081-18083, all on 127.0.0.1.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
LETTERS=${LETTERS:-300}
WORKERS=${WORKERS:-6}
WORK=${WORK:-/tmp/suratdesa-galera}
SECRET=cluster-test-secret-0123456789abcdef
PASSPHRASE=${PASSPHRASE:-}
pids=()

cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for n in 1 2 3; do
    [ -f "$WORK/node$n/mysqld.pid" ] && kill "$(cat "$WORK/node$n/mysqld.pid")" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  [ -n "${KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT

sql() { # sql NODE STATEMENT...
  local n=$1; shift
  mariadb -h 127.0.0.1 -P "331$n" -u root --batch --skip-column-names "$@"
}

echo "== building"
mkdir -p "$WORK/bin"
(cd "$root" && go build -o "$WORK/bin/app" ./app && go build -o "$WORK/bin/clustertest" ./app/cmd/clustertest)

echo "== starting a three-node Galera cluster"
rm -rf "$WORK"/node* "$WORK"/storage "$WORK"/pdf
for n in 1 2 3; do
  d="$WORK/node$n"
  mkdir -p "$d/data"
  cat >"$d/my.cnf" <<CNF
[mysqld]
user=mysql
datadir=$d/data
socket=$d/mysqld.sock
pid-file=$d/mysqld.pid
log-error=$d/error.log
port=331$n
bind-address=127.0.0.1
binlog_format=ROW
default_storage_engine=InnoDB
innodb_autoinc_lock_mode=2
innodb_buffer_pool_size=64M
innodb_log_file_size=48M
performance_schema=OFF
max_connections=300
wsrep_on=ON
wsrep_provider=/usr/lib/galera/libgalera_smm.so
wsrep_cluster_name=suratdesa_test
wsrep_cluster_address=gcomm://127.0.0.1:4571,127.0.0.1:4572,127.0.0.1:4573
wsrep_node_name=node$n
wsrep_node_address=127.0.0.1:457$n
wsrep_provider_options="gmcast.listen_addr=tcp://127.0.0.1:457$n;ist.recv_addr=127.0.0.1:458$n;gcache.size=64M"
wsrep_sst_receive_address=127.0.0.1:459$n
wsrep_sst_method=rsync
CNF
  # As the mysql user: the joiner's rsync daemon, started by root, would
  # drop to nobody and fail to write the data directory.
  chown -R mysql:mysql "$d"
  mariadb-install-db --defaults-file="$d/my.cnf" --user=mysql --auth-root-authentication-method=normal >"$d/install.log" 2>&1
done
start_node() { # start_node N [extra args]
  local n=$1; shift
  mariadbd --defaults-file="$WORK/node$n/my.cnf" "$@" >>"$WORK/node$n/stdout.log" 2>&1 &
  for _ in $(seq 1 120); do
    if [ "$(sql "$n" -e "SHOW STATUS LIKE 'wsrep_ready'" 2>/dev/null | awk '{print $2}')" = "ON" ]; then return 0; fi
    sleep 1
  done
  echo "node $n did not become ready"; tail -30 "$WORK/node$n/error.log"; exit 1
}
t0=$(date +%s.%N)
start_node 1 --wsrep-new-cluster
start_node 2
start_node 3
echo "   cluster size: $(sql 1 -e "SHOW STATUS LIKE 'wsrep_cluster_size'" | awk '{print $2}') nodes, up in $(printf '%.1f' "$(echo "$(date +%s.%N) - $t0" | bc)") s"
sql 1 -e "CREATE USER IF NOT EXISTS 'app'@'127.0.0.1' IDENTIFIED BY 'app'; GRANT ALL ON *.* TO 'app'@'127.0.0.1'"

# wsrep_sync_wait=1: a read waits until the node has applied every write
# the cluster committed before it (causal reads). Without it a letter
# created through one node was 404 on another a moment later.
dsn() { echo "app:app@tcp(127.0.0.1:331$1)/suratdesa?wsrep_sync_wait=1&interpolateParams=true"; }
export APP_DB=mysql APP_SECRET=$SECRET APP_STORAGE="$WORK/storage" APP_LOG_LEVEL=warn APP_DB_CREATE=true
mkdir -p "$APP_STORAGE" "$WORK/pdf"

echo "== migrating: three 'app migrate up' at once, one per node"
t0=$(date +%s.%N)
mig=()
for n in 1 2 3; do APP_DSN=$(dsn $n) "$WORK/bin/app" migrate up >"$WORK/migrate$n.log" 2>&1 & mig+=($!); done
fail=0; for j in "${mig[@]}"; do wait "$j" || fail=1; done
if [ $fail = 1 ]; then tail -5 "$WORK"/migrate*.log; exit 1; fi
echo "   migrated in $(printf '%.1f' "$(echo "$(date +%s.%N) - $t0" | bc)") s; $(sql 2 -e "SELECT COUNT(*) FROM suratdesa.goose_db_version WHERE version_id > 0") migrations recorded on node 2"

echo "== three replicas (replica 1 seeds the demo village)"
APP_DSN=$(dsn 1) APP_ADDR=127.0.0.1:18081 APP_BASE_URL=http://127.0.0.1:18081 "$WORK/bin/app" serve --demo >"$WORK/app1.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do curl -fsS http://127.0.0.1:18081/readyz >/dev/null 2>&1 && break; sleep 1; done
[ -n "$PASSPHRASE" ] || PASSPHRASE=$(sed -n 's/.*Frasa sandi tanda tangan elektronik[^:]*: //p' "$WORK/app1.log" | head -1)
for n in 2 3; do
  APP_DSN=$(dsn $n) APP_ADDR=127.0.0.1:1808$n APP_BASE_URL=http://127.0.0.1:18081 "$WORK/bin/app" serve >"$WORK/app$n.log" 2>&1 &
  pids+=($!)
done
for n in 2 3; do
  for _ in $(seq 1 120); do curl -fsS "http://127.0.0.1:1808$n/readyz" >/dev/null 2>&1 && break; sleep 1; done
done

echo "== $LETTERS letters signed by $WORKERS concurrent signers across the replicas; node 3 killed after 100"
"$WORK/bin/clustertest" -replicas http://127.0.0.1:18081,http://127.0.0.1:18082,http://127.0.0.1:18083 \
  -letters "$LETTERS" -workers "$WORKERS" -kill-at 100 -kill "kill -9 \$(cat $WORK/node3/mysqld.pid) && echo node3" \
  -passphrase "$PASSPHRASE" -pdf-dir "$WORK/pdf" | sed 's/^/   /'

echo "== checks on the surviving nodes"
for n in 1 2; do
  echo "   node $n: $(sql "$n" -e "SHOW STATUS LIKE 'wsrep_cluster_size'" | awk '{print "cluster size " $2}')"
  # Numbers per series: unique and consecutive from 1.
  sql "$n" suratdesa -e "SELECT number_scope, number_year, COUNT(*), COUNT(DISTINCT number_seq), MIN(number_seq), MAX(number_seq)
    FROM letters WHERE number_seq IS NOT NULL GROUP BY village_id, number_scope, number_year" | while read -r scope year cnt distinct lo hi; do
    echo "   node $n: series $scope/$year: $cnt letters, $distinct distinct numbers, $lo..$hi"
    if [ "$cnt" != "$distinct" ] || [ "$lo" != 1 ] || [ "$hi" != "$cnt" ]; then echo "FAIL: numbering not unique and consecutive"; exit 1; fi
  done
done
signed=$(sql 1 suratdesa -e "SELECT COUNT(*) FROM letters WHERE status IN ('ditandatangani','dicabut') AND module='sk_domisili'")
files=$(find "$APP_STORAGE/letters" -name '*.pdf' | wc -l)
rows=$(sql 1 suratdesa -e "SELECT COUNT(*) FROM letters WHERE pdf_path <> '' AND pdf_path IS NOT NULL AND status IN ('ditandatangani','dicabut','diganti')")
echo "   signed sk_domisili letters: $signed; PDF files in storage: $files; letters with a PDF: $rows"
[ "$files" = "$rows" ] || { echo "FAIL: $files PDF files for $rows letters (files left behind by retried or failed signings)"; exit 1; }
[ "$signed" -ge "$LETTERS" ] || { echo "FAIL: only $signed letters signed"; exit 1; }

echo "== pdfsig on every PDF"
t0=$(date +%s.%N); bad=0; ok=0
for f in "$WORK"/pdf/*.pdf; do
  if pdfsig "$f" 2>/dev/null | grep -q "Signature Validation: Signature is Valid"; then ok=$((ok+1)); else bad=$((bad+1)); echo "   invalid: $f"; fi
done
echo "   pdfsig: $ok valid, $bad invalid ($(printf '%.1f' "$(echo "$(date +%s.%N) - $t0" | bc)") s)"
[ $bad = 0 ] || exit 1

echo "== transaction retries (deadlocks and certification conflicts run again)"
for n in 1 2 3; do
  r=$(curl -fsS "http://127.0.0.1:1808$n/metrics" 2>/dev/null | awk '/^suratdesa_db_transaction_retries_total/ {print $2}' || true)
  s=$(curl -fsS "http://127.0.0.1:1808$n/metrics" 2>/dev/null | awk '/^suratdesa_letters_signed_total/ {print $2}' || true)
  echo "   replica $n: ${r:-unreachable} retries, ${s:-?} letters signed"
done
grep -h "Deadlock\|1213\|certification" "$WORK"/app*.log | head -5 | sed 's/^/   log: /' || true
echo "== OK"
