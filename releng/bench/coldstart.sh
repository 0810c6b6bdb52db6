#!/usr/bin/env bash
# Cold start of the built node: N starts, each with a fresh home folder (so a fresh OSGi cache),
# measured from launching the JVM to api.json appearing (the node writes it only once the REST
# API serves), plus the time of the first answered `GET /api/v1/status`. Prints min/median/max.
#   releng/bench/coldstart.sh [N]        (default N=7; build first: ./mvnw -B -DskipTests package)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# The newest JDK 17+ installed (RHIZOME_JAVA_HOME pins one), as ./rhizome and ./mvnw use.
PATH="$("$ROOT/releng/best-jdk.sh" javac)/bin:$PATH"
N=${1:-7}
PRODUCT="$ROOT/releng/io.rhizome.product/target/products/io.rhizome.node/linux/gtk/x86_64"
LAUNCHER=$(compgen -G "$PRODUCT/plugins/org.eclipse.equinox.launcher_*.jar" | head -n 1) \
  || { echo "build the node first: ./mvnw -B -DskipTests package" >&2; exit 2; }
ready=(); first=()
for i in $(seq "$N"); do
  home=$(mktemp -d)
  t0=$(date +%s%N)
  java -Drhizome.node=true -Drhizome.home="$home" -Dorg.apache.felix.http.host=127.0.0.1 \
    -Dosgi.sharedConfiguration.area="$PRODUCT/configuration" -jar "$LAUNCHER" -configuration "$home/osgi" \
    >"$home/out.txt" 2>&1 &
  pid=$!
  for _ in $(seq 6000); do [ -f "$home/api.json" ] && break; sleep 0.01; done
  [ -f "$home/api.json" ] || { echo "the node was not ready within 60 s; its output:" >&2; cat "$home/out.txt" >&2; exit 1; }
  t1=$(date +%s%N)
  port=$(sed 's/.*"port":\([0-9]*\).*/\1/' "$home/api.json")
  key=$(sed 's/.*"apiKey":"\([^"]*\)".*/\1/' "$home/api.json")
  curl -sf -o /dev/null -H "X-API-Key: $key" "http://127.0.0.1:$port/api/v1/status"
  t2=$(date +%s%N)
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$home"
  ready+=($(( (t1 - t0) / 1000000 ))); first+=($(( (t2 - t0) / 1000000 )))
done
stats() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {printf "min %d ms, median %d ms, max %d ms", a[1], a[int((NR+1)/2)], a[NR]}'; }
echo "cold start to ready (api.json):      $(stats "${ready[@]}")   (N=$N, load $(cut -d' ' -f1 /proc/loadavg))"
echo "cold start to first status answered: $(stats "${first[@]}")"
