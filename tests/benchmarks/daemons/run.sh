#!/usr/bin/env bash
# Two real daemons over libp2p on loopback, end-to-end encrypted (issue 6 benchmark):
#   1. backlog: B offline while A takes N events (import, 500 events per change set), then B comes
#      back; time from B's start until A sees every change set acknowledged by B;
#   2. latency: single writes on A (REST PUT) until B's change stream (SSE) shows them, p50/p99.
# Usage: tests/benchmarks/daemons/run.sh [EVENTS] [WRITES]     (defaults 1000000 and 1000)
# SKIP_BUILD=1 reuses the built node. Homes are created in a temporary folder and removed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
# The newest JDK 17+ installed (RHIZOME_JAVA_HOME pins one), as ./rhizome and ./mvnw use.
PATH="$("$root/releng/best-jdk.sh" javac)/bin:$PATH"
events="${1:-1000000}"; writes="${2:-1000}"
R="$root/rhizome"
if [ -z "${SKIP_BUILD:-}" ]; then (cd "$root" && ./mvnw -B -q package -DskipTests); fi
work=$(mktemp -d); pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
start() { # home
  mkdir -p "$work/$1"
  printf 'api.port=0\np2p.listen=/ip4/127.0.0.1/tcp/0\np2p.mdns=false\n' > "$work/$1/rhizome.properties"
  rm -f "$work/$1/api.json"
  RHIZOME_JAVA_OPTS="${DAEMON_JAVA_OPTS:--Xmx2g}" "$R" daemon --home "$work/$1" >> "$work/$1.out" 2>&1 &
  pids+=($!); eval "pid_$1=$!"
  for _ in $(seq 1 1200); do [ -f "$work/$1/api.json" ] && return 0; sleep 0.05; done
  echo "daemon $1 did not start"; tail -50 "$work/$1.out"; exit 1
}
now() { date +%s.%N; }
start a; start b
"$R" ns create bench lww-register --home "$work/a" >/dev/null
inv=$("$R" pair --no-wait --json --home "$work/a")
code=$(printf '%s' "$inv" | sed -n 's/.*"code":"\(RZ-[0-9A-Z-]*\)".*/\1/p')
addr=$(printf '%s' "$inv" | sed -n 's/.*"addresses":\["\([^"]*\)".*/\1/p')
"$R" join "$code" --addr "$addr" --home "$work/b" >/dev/null
# a declaration is a change set: B declares after joining (before, it could not join)
"$R" ns create bench lww-register --home "$work/b" >/dev/null
echo "paired: B joined A at $addr"

bid=$("$R" identity --json --home "$work/b" | sed -n 's/.*"deviceId":"\([^"]*\)".*/\1/p')
kill "$pid_b"; wait "$pid_b" 2>/dev/null || true
echo "B stopped; writing $events events on A"
awk -v n="$events" 'BEGIN { for (i = 0; i < n; i++) printf "{\"namespace\":\"bench\",\"key\":\"k%d\",\"value\":%d}\n", i, i }' > "$work/events.jsonl"
t0=$(now)
split -l 200000 "$work/events.jsonl" "$work/part-"   # the REST API takes bodies up to 16 MiB
for f in "$work"/part-*; do "$R" import "$f" --home "$work/a" >/dev/null; done
t1=$(now)
echo "enqueue on A: $events events in $(echo "$t1 - $t0" | bc) s ($(echo "$events / ($t1 - $t0)" | bc) events/s, import through REST)"

t2=$(now)
start b
t3=$(now)
for _ in $(seq 1 36000); do
  st=$(curl -s -H "X-API-Key: $(sed -n 's/.*"apiKey":"\([^"]*\)".*/\1/p' "$work/a/api.json")" \
    "http://127.0.0.1:$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' "$work/a/api.json")/api/v1/status")
  if printf '%s' "$st" | grep -q "\"peerId\":\"$bid\",\"connected\":true,\"transport\":\"libp2p\",\"lastSeen\":\"[^\"]*\",\"pendingEvents\":0"; then break; fi
  sleep 0.05
done
t4=$(now)
echo "backlog: B started in $(echo "$t3 - $t2" | bc) s; $events events (in $((events / 500)) change sets) received, applied and acknowledged in $(echo "$t4 - $t3" | bc) s after B was up"

java "$here/Latency.java" "$work/a/api.json" "$work/b/api.json" "$writes"
