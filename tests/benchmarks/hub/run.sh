#!/usr/bin/env bash
# Catch-up from a hub (issue 20 benchmark), real processes on loopback, MapDB store on the hub:
#   A and B paired; both add a `rhizome hub`; B stops; A takes EVENTS events in CHANGESETS change
#   sets (an import over NS namespaces: each 500-line transaction touches every namespace, one
#   change set each) and its cloud rounds leave them on the hub; A stops. Then B starts with only
#   the hub to reach and catches up. Printed: A's upload time, the hub's files and bytes, and B's
#   catch-up time (from B's start, and from B's REST API being up) until B holds the last write;
#   then B's export is counted (every event once).
# Usage: tests/benchmarks/hub/run.sh [CHANGESETS] [NS]     (defaults 100000 and 100)
# SKIP_BUILD=1 reuses the built node. Homes are created in a temporary folder and removed.
# Rounds every POLL_MILLIS (default 500 ms) instead of the node's 10 s, so the rounds' wait does not dominate.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
changesets="${1:-100000}"; nss="${2:-100}"
[ $((changesets % nss)) -eq 0 ] || { echo "CHANGESETS must be a multiple of NS"; exit 2; }
events=$((changesets / nss * 500))   # 500 lines per transaction, each line in the next namespace
R="$root/rhizome"
if [ -z "${SKIP_BUILD:-}" ]; then (cd "$root" && ./mvnw -B -q package -DskipTests); fi
work=$(mktemp -d); pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
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
"$R" hub --home "$work/hub" > "$work/hub.out" 2>&1 &
pids+=($!)
for _ in $(seq 1 2400); do [ -f "$work/hub/hub.json" ] && break; sleep 0.05; done
[ -f "$work/hub/hub.json" ] || { echo "the hub did not start"; tail -50 "$work/hub.out"; exit 1; }
hubaddr=$(sed -n 's/.*"addresses":\["\([^"]*\)".*/\1/p' "$work/hub/hub.json")
code=$(json_field "$work/hub/hub.json" claimCode)
echo "hub at $hubaddr (store $(sed -n 's/.*"location":"\([^"]*\)".*/\1/p' "$work/hub/hub.json"))"

start a; start b
inv=$("$R" pair --no-wait --json --home "$work/a")
pcode=$(printf '%s' "$inv" | sed -n 's/.*"code":"\(RZ-[0-9A-Z-]*\)".*/\1/p')
addr=$(printf '%s' "$inv" | sed -n 's/.*"addresses":\["\([^"]*\)".*/\1/p')
"$R" join "$pcode" --addr "$addr" --home "$work/b" >/dev/null
bid=$("$R" identity --json --home "$work/b" | sed -n 's/.*"deviceId":"\([^"]*\)".*/\1/p')
"$R" cloud add hub "$hubaddr" --code "$code" --home "$work/a" >/dev/null
"$R" cloud add hub "$hubaddr" --home "$work/b" >/dev/null
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
echo "catch-up of B from the hub alone (A down): $changesets change sets ($events events) in $(echo "$t5 - $t3" | bc) s from B's start, $(echo "$t5 - $t4" | bc) s after its REST API was up"
count=$("$R" export --home "$work/b" | grep -c '"namespace":"h[0-9]' || true)
echo "B's export: $count entities of the bench namespaces (expected $events)"
[ "$count" -eq "$events" ] || { echo "B does not hold every event"; exit 1; }
