#!/usr/bin/env bash
# How long one CLI call takes: starts a node with a fresh home (./rhizome daemon), runs
# `rhizome status` N times against it (after one untimed call, which may write the CLI's class-data
# archive) and prints min/median/p90/max of the wall clock and of the call's CPU (user + system,
# the JVM and the launcher script together).
#   releng/bench/cli.sh [N] [COMMAND...]   default N=50 and `status`; build first (./mvnw -B -DskipTests package)
#   RHIZOME_CLI=/path/to/rhizome ...       time another launcher (e.g. an older tree's) against the same node
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
N=${1:-50}
shift || true
[ $# -gt 0 ] || set -- status
CLI=${RHIZOME_CLI:-$ROOT/rhizome}
home=$(mktemp -d "${TMPDIR:-/tmp}/rhizome-clibench.XXXXXX")
daemon_pid=""
cleanup() {
  [ -z "$daemon_pid" ] || { kill "$daemon_pid" 2>/dev/null; wait "$daemon_pid" 2>/dev/null || true; }
  rm -rf "$home"
}
trap cleanup EXIT
"$ROOT/rhizome" daemon --home "$home/node" > "$home/daemon.out" 2>&1 &
daemon_pid=$!
for _ in $(seq 1200); do [ -f "$home/node/api.json" ] && break; sleep 0.1; done
[ -f "$home/node/api.json" ] || { echo "the node was not ready within 120 s; its output:" >&2; cat "$home/daemon.out" >&2; exit 1; }
"$CLI" "$@" --home "$home/node" > /dev/null

wall=(); cpu=()
TIMEFORMAT='%R %U %S'
for _ in $(seq "$N"); do
  t=$( { time "$CLI" "$@" --home "$home/node" > /dev/null; } 2>&1 | tail -n 1)
  read -r real user sys <<< "$t"
  wall+=("$(awk -v r="$real" 'BEGIN {printf "%d", r * 1000}')")
  cpu+=("$(awk -v u="$user" -v s="$sys" 'BEGIN {printf "%d", (u + s) * 1000}')")
done
stats() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {printf "min %d ms, median %d ms, p90 %d ms, max %d ms", a[1], a[int((NR+1)/2)], a[int(NR*0.9+0.999)], a[NR]}'; }
echo "rhizome $* (N=$N, $CLI, load $(cut -d' ' -f1 /proc/loadavg))"
echo "  wall: $(stats "${wall[@]}")"
echo "  CPU:  $(stats "${cpu[@]}")"
