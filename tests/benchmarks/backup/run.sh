#!/usr/bin/env bash
# Backup and restore of N records with real daemons (issue 15 benchmark):
#   1. daemon A takes N events (`rhizome import`, 500 events per change set, lww-register),
#   2. `backup now` into an empty folder: a full snapshot (time, bytes on disk),
#   3. 1,000 more events, `backup now` again: an incremental snapshot (time, bytes),
#   4. a fresh daemon B restores the folder from A's 24 words (time), and B's value of the last key is checked.
# Usage: tests/benchmarks/backup/run.sh [EVENTS]     (default 1000000)
# SKIP_BUILD=1 reuses the built node; DAEMON_JAVA_OPTS (default -Xmx2g) go to both daemons.
# Homes and the backup folder are created in a temporary folder and removed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
events="${1:-1000000}"
R="$root/rhizome"
if [ -z "${SKIP_BUILD:-}" ]; then (cd "$root" && ./mvnw -B -q package -DskipTests); fi
work=$(mktemp -d); pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
start() { # home
  mkdir -p "$work/$1"
  printf 'api.port=0\np2p.listen=/ip4/127.0.0.1/tcp/0\np2p.mdns=false\n' > "$work/$1/rhizome.properties"
  RHIZOME_JAVA_OPTS="${DAEMON_JAVA_OPTS:--Xmx2g}" "$R" daemon --home "$work/$1" >> "$work/$1.out" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 1200); do [ -f "$work/$1/api.json" ] && return 0; sleep 0.05; done
  echo "daemon $1 did not start"; tail -50 "$work/$1.out"; exit 1
}
now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc; }
bytes() { du -sb "$1" | cut -f1; }

start a
"$R" ns create bench lww-register --home "$work/a" >/dev/null
awk -v n="$events" 'BEGIN { for (i = 0; i < n; i++) printf "{\"namespace\":\"bench\",\"key\":\"k%d\",\"value\":%d}\n", i, i }' > "$work/events.jsonl"
split -l 200000 "$work/events.jsonl" "$work/part-"   # the REST API takes bodies up to 16 MiB
t0=$(now)
for f in "$work"/part-*; do "$R" import "$f" --home "$work/a" >/dev/null; done
t1=$(now)
echo "A took $events events in $(secs "$t0" "$t1") s (import through REST)"

t0=$(now)
full=$("$R" backup now --to "$work/backups" --home "$work/a" 2>/dev/null)
t1=$(now)
full_bytes=$(bytes "$work/backups")
echo "full backup:        $(secs "$t0" "$t1") s, $full_bytes bytes on disk   ($full)"

awk 'BEGIN { for (i = 0; i < 1000; i++) printf "{\"namespace\":\"bench\",\"key\":\"k%d\",\"value\":%d}\n", i, -i }' > "$work/changes.jsonl"
"$R" import "$work/changes.jsonl" --home "$work/a" >/dev/null
t0=$(now)
inc=$("$R" backup now --to "$work/backups" --home "$work/a" 2>/dev/null)
t1=$(now)
echo "incremental backup: $(secs "$t0" "$t1") s after 1,000 changes, $(( $(bytes "$work/backups") - full_bytes )) bytes more   ($inc)"

echo show | "$R" recovery show --home "$work/a" 2>/dev/null | sed 's/^ *[0-9]*\. //' > "$work/words.txt"
start b
t0=$(now)
restored=$("$R" restore --from "$work/backups" --home "$work/b" < "$work/words.txt" 2>/dev/null)
t1=$(now)
echo "restore:            $(secs "$t0" "$t1") s   ($restored)"
last=$((events - 1))
got=$("$R" get bench "k$last" --home "$work/b")
[ "$got" = "$last" ] || { echo "restored value of k$last is '$got', expected $last"; exit 1; }
got=$("$R" get bench k1 --home "$work/b")
[ "$got" = "-1" ] || { echo "restored value of k1 is '$got', expected -1 (the incremental)"; exit 1; }
echo "checked: B holds k$last = $last and k1 = -1"
