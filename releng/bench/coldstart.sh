#!/usr/bin/env bash
# Cold start of the built node as a user starts it (`./rhizome daemon --home DIR`): N starts, each
# with a fresh home folder (so a fresh OSGi cache), measured from running the launcher to api.json
# appearing (the node writes it only once the REST API serves), plus the time of the first answered
# `GET /api/v1/status`, and the CPU the node's process used until ready. Prints min/median/max.
# Set RHIZOME_DAEMON_CDS=off to measure without the daemon's class-data archive (the launcher makes
# one when a daemon stops; run a start and stop first to have one).
#   releng/bench/coldstart.sh [N]        (default N=7; build first: ./mvnw -B -DskipTests package)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# The newest JDK 17+ installed (RHIZOME_JAVA_HOME pins one), as ./rhizome and ./mvnw use.
PATH="$("$ROOT/releng/best-jdk.sh" javac)/bin:$PATH"
N=${1:-7}
PRODUCT="$ROOT/releng/io.rhizome.product/target/products/io.rhizome.node/linux/gtk/x86_64"
LAUNCHER=$(compgen -G "$PRODUCT/plugins/org.eclipse.equinox.launcher_*.jar" | head -n 1) \
  || { echo "build the node first: ./mvnw -B -DskipTests package" >&2; exit 2; }
ready=(); first=(); cpu=()
for i in $(seq "$N"); do
  home=$(mktemp -d)
  printf 'api.port=0\np2p.listen=/ip4/127.0.0.1/tcp/0\np2p.mdns=false\n' > "$home/rhizome.properties"
  t0=$(date +%s%N)
  "$ROOT/rhizome" daemon --home "$home" >"$home/out.txt" 2>&1 &
  pid=$!
  for _ in $(seq 6000); do [ -f "$home/api.json" ] && break; sleep 0.01; done
  [ -f "$home/api.json" ] || { echo "the node was not ready within 60 s; its output:" >&2; cat "$home/out.txt" >&2; exit 1; }
  t1=$(date +%s%N)
  ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  port=$(sed 's/.*"port":\([0-9]*\).*/\1/' "$home/api.json")
  key=$(sed 's/.*"apiKey":"\([^"]*\)".*/\1/' "$home/api.json")
  curl -sf -o /dev/null -H "X-API-Key: $key" "http://127.0.0.1:$port/api/v1/status"
  t2=$(date +%s%N)
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$home"
  ready+=($(( (t1 - t0) / 1000000 ))); first+=($(( (t2 - t0) / 1000000 ))); cpu+=($(( ticks * 1000 / $(getconf CLK_TCK) )))
done
stats() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {printf "min %d ms, median %d ms, max %d ms", a[1], a[int((NR+1)/2)], a[NR]}'; }
echo "cold start to ready (api.json):      $(stats "${ready[@]}")   (N=$N, load $(cut -d' ' -f1 /proc/loadavg))"
echo "cold start to first status answered: $(stats "${first[@]}")"
echo "CPU of the node until ready:         $(stats "${cpu[@]}")"
