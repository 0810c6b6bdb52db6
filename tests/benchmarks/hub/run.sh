#!/usr/bin/env bash
# Catch-up from a hub (issue 20 benchmark), real processes on loopback, MapDB (default) or PostgreSQL store on the hub:
#   A and B paired; A claims a `rhizome hub`, B learns it from A's mesh update; B stops; A takes EVENTS events in CHANGESETS change
#   sets (an import over NS namespaces: each 500-line transaction touches every namespace, one
#   change set each) and its cloud rounds leave them on the hub; A stops. Then B starts with only
#   the hub to reach and catches up. Printed: A's upload time, the hub's files and bytes, and B's
#   catch-up time (from B's start, and from B's REST API being up) until B holds the last write;
#   then B's export is counted (every event once).
# Usage: tests/benchmarks/hub/run.sh [CHANGESETS] [NS]     (defaults 100000 and 100)
# SKIP_BUILD=1 reuses the built node. Homes are created in a temporary folder and removed.
# STORE=postgres (default mapdb): the hub's store is a throwaway PostgreSQL 15 (PG_BIN, default
#   /usr/lib/postgresql/15/bin) started by this script: initdb in the temporary folder, a free port on
#   127.0.0.1, the password in a 0600 file; stopped and removed on exit, also on failure.
# Rounds every POLL_MILLIS (default 500 ms) instead of the node's 10 s, so the rounds' wait does not dominate.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
changesets="${1:-100000}"; nss="${2:-100}"
store="${STORE:-mapdb}"
case "$store" in mapdb|postgres) ;; *) echo "STORE must be mapdb or postgres, not $store"; exit 2 ;; esac
pgbin="${PG_BIN:-/usr/lib/postgresql/15/bin}"
if [ "$store" = postgres ]; then
  for t in initdb postgres pg_ctl pg_isready psql; do
    [ -x "$pgbin/$t" ] || { echo "STORE=postgres needs $pgbin/$t (apt-get install postgresql, or set PG_BIN)"; exit 2; }
  done
fi
[ $((changesets % nss)) -eq 0 ] || { echo "CHANGESETS must be a multiple of NS"; exit 2; }
events=$((changesets / nss * 500))   # 500 lines per transaction, each line in the next namespace
R="$root/rhizome"
if [ -z "${SKIP_BUILD:-}" ]; then (cd "$root" && ./mvnw -B -q package -DskipTests); fi
work=$(mktemp -d); pids=(); pgpid=; pgrun=
chmod 711 "$work"   # the PostgreSQL server (user postgres when run as root) reaches its folder inside
pgstop() { # the throwaway PostgreSQL, if this script started one: fast stop (bounded), else kill it
  [ -n "$pgpid" ] || return 0
  $pgrun "$pgbin/pg_ctl" -D "$work/pg/data" stop -m fast -w -t 30 >/dev/null 2>&1 || kill -9 "$pgpid" 2>/dev/null || true
  wait "$pgpid" 2>/dev/null || true; pgpid=
}
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait "${pids[@]}" 2>/dev/null || true; pgstop; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 1' INT TERM
opts="-Xmx2g -Drhizome.cloud.pollMillis=${POLL_MILLIS:-500}"
start() { # home
  mkdir -p "$work/$1"
  printf 'api.port=0\np2p.listen=/ip4/127.0.0.1/tcp/0\np2p.mdns=false\n' > "$work/$1/rhizome.properties"
  rm -f "$work/$1/api.json"
  RHIZOME_JAVA_OPTS="$opts" "$R" daemon --home "$work/$1" >> "$work/$1.out" 2>&1 &
  pids+=($!); eval "pid_$1=$!"
  for _ in $(seq 1 2400); do [ -f "$work/$1/api.json" ] && return 0; sleep 0.05; done
  echo "daemon $1 did not start"; tail -50 "$work/$1.out"; exit 1
}
stop() { local p; eval "p=\$pid_$1"; kill "$p"; wait "$p" 2>/dev/null || true; }
now() { date +%s.%N; }
json_field() { sed -n "s/.*\"$2\":\"\\{0,1\\}\\([^\",}]*\\).*/\\1/p" "$1"; }

mkdir -p "$work/hub"; printf 'hub.listen=/ip4/127.0.0.1/tcp/0\n' > "$work/hub/rhizome.properties"
if [ "$store" = postgres ]; then
  pgrun=; [ "$(id -u)" -eq 0 ] && pgrun="setpriv --reuid=postgres --regid=postgres --clear-groups --"   # initdb refuses root
  mkdir -p "$work/pg"; chmod 700 "$work/pg"
  (umask 077; head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$work/pg/pw"; echo >> "$work/pg/pw")
  [ -n "$pgrun" ] && chown -R postgres:postgres "$work/pg"
  $pgrun "$pgbin/initdb" -D "$work/pg/data" -U rhizome --pwfile="$work/pg/pw" --auth=scram-sha-256 \
    --encoding=UTF8 --locale=C --no-sync > "$work/pg.out" 2>&1 || { echo "initdb failed"; tail -20 "$work/pg.out"; exit 1; }
  pgport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  $pgrun "$pgbin/postgres" -D "$work/pg/data" -p "$pgport" -h 127.0.0.1 -k "$work/pg" >> "$work/pg.out" 2>&1 &
  pgpid=$!
  for _ in $(seq 1 600); do "$pgbin/pg_isready" -q -h 127.0.0.1 -p "$pgport" -t 2 && break; sleep 0.1; done
  "$pgbin/pg_isready" -q -h 127.0.0.1 -p "$pgport" -t 2 || { echo "PostgreSQL did not start"; tail -20 "$work/pg.out"; exit 1; }
  PGPASSWORD=$(head -1 "$work/pg/pw") "$pgbin/psql" -h 127.0.0.1 -p "$pgport" -U rhizome -d postgres -X -q \
    -v ON_ERROR_STOP=1 -c 'CREATE DATABASE hub' || { echo "CREATE DATABASE failed"; exit 1; }
  (umask 077; cp "$work/pg/pw" "$work/hub.pw")   # the hub's copy (0600), owned by the hub's user
  printf 'hub.store=postgres\nhub.postgres.url=jdbc:postgresql://127.0.0.1:%s/hub\nhub.postgres.user=rhizome\nhub.postgres.passwordFile=%s\n' \
    "$pgport" "$work/hub.pw" >> "$work/hub/rhizome.properties"
  echo "store: PostgreSQL $("$pgbin/postgres" --version | sed 's/^[^0-9]*\([0-9.]*\).*/\1/') (throwaway, 127.0.0.1:$pgport)"
else
  echo "store: MapDB (the hub's HOME/data)"
fi
"$R" hub --home "$work/hub" > "$work/hub.out" 2>&1 &
pids+=($!)
for _ in $(seq 1 2400); do [ -f "$work/hub/hub.json" ] && break; sleep 0.05; done
[ -f "$work/hub/hub.json" ] || { echo "the hub did not start"; tail -50 "$work/hub.out"; exit 1; }
hubaddr=$(sed -n 's/.*"addresses":\["\([^"]*\)".*/\1/p' "$work/hub/hub.json")
code=$(json_field "$work/hub/hub.json" claimCode)
echo "hub at $hubaddr (store $(json_field "$work/hub/hub.json" kind) at $(sed -n 's/.*"location":"\([^"]*\)".*/\1/p' "$work/hub/hub.json"))"

start a; start b
inv=$("$R" pair --no-wait --json --home "$work/a")
pcode=$(printf '%s' "$inv" | sed -n 's/.*"code":"\(RZ-[0-9A-Z-]*\)".*/\1/p')
addr=$(printf '%s' "$inv" | sed -n 's/.*"addresses":\["\([^"]*\)".*/\1/p')
"$R" join "$pcode" --addr "$addr" --home "$work/b" >/dev/null
bid=$("$R" identity --json --home "$work/b" | sed -n 's/.*"deviceId":"\([^"]*\)".*/\1/p')
"$R" cloud add hub "$hubaddr" --code "$code" --home "$work/a" >/dev/null
# B learns the hub from A's mesh update and adds it by itself (nothing typed on B)
deadline=$((SECONDS + 60))
until "$R" cloud status --json --home "$work/b" | grep -q '"kind" *: *"hub"'; do
  [ "$SECONDS" -lt "$deadline" ] || { echo "B did not learn the hub from A within 60 s"; exit 1; }
  sleep 0.5
done
stop b
echo "paired, both use the hub; B stopped; A takes $events events in $changesets change sets ($nss namespaces)"

awk -v n="$events" -v k="$nss" 'BEGIN {
  for (j = 0; j < k; j++) printf "{\"declaration\":{\"name\":\"h%d\",\"crdtType\":\"lww-register\"}}\n", j
  for (i = 0; i < n; i++) printf "{\"namespace\":\"h%d\",\"key\":\"k%d\",\"value\":%d}\n", i % k, i, i }' > "$work/events.jsonl"
t0=$(now)
split -l 200000 "$work/events.jsonl" "$work/part-"   # the REST API takes bodies up to 16 MiB
for f in "$work"/part-*; do "$R" import "$f" --home "$work/a" >/dev/null; done
"$R" put hdone last '"the last write"' --home "$work/a" >/dev/null
t1=$(now)
echo "A: import in $(echo "$t1 - $t0" | bc) s"
api() { curl -s -H "X-API-Key: $(sed -n 's/.*"apiKey":"\([^"]*\)".*/\1/p' "$work/$1/api.json")" \
  "http://127.0.0.1:$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' "$work/$1/api.json")/api/v1/$2"; }
# A's status counts for B what the hub's copy lacks (StoreAndForward.forwarded): 0 = all on the hub
uploaded=false
for _ in $(seq 1 12000); do   # bounded: 20 minutes
  if api a status | grep -q "\"peerId\":\"$bid\"[^}]*\"pendingEvents\":0"; then uploaded=true; break; fi
  sleep 0.1
done
$uploaded || { echo "A did not get everything for B onto the hub within 20 minutes"; api a status; exit 1; }
t2=$(now)
echo "A -> hub: everything for B on the hub $(echo "$t2 - $t1" | bc) s after the import ($(json_field "$work/hub/hub.json" files) files, $(json_field "$work/hub/hub.json" bytes) bytes on the hub)"
stop a

t3=$(now)
start b
t4=$(now)
caught=false
for _ in $(seq 1 12000); do   # bounded: 20 minutes; REST (a CLI call per poll would load the machine)
  if api b ns/hdone/last 2>/dev/null | grep -q 'the last write'; then caught=true; break; fi
  sleep 0.1
done
t5=$(now)
$caught || { echo "B did not catch up within 20 minutes"; tail -20 "$work/b.out"; exit 1; }
echo "catch-up of B from the hub alone (A down, store $store): $changesets change sets ($events events) in $(echo "$t5 - $t3" | bc) s from B's start, $(echo "$t5 - $t4" | bc) s after its REST API was up"
count=$("$R" export --home "$work/b" | grep -c '"namespace":"h[0-9]' || true)
echo "B's export: $count entities of the bench namespaces (expected $events)"
[ "$count" -eq "$events" ] || { echo "B does not hold every event"; exit 1; }
