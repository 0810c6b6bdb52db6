#!/usr/bin/env bash
# Rhizome CRDT benchmarks. Usage: tests/benchmarks/bench.sh b4
#
# b4: in one run,
#   - builds io.rhizome.api and io.rhizome.crdt (./mvnw) and compiles the Java harness;
#   - replays automerge-paper into Rhizome `text` (B4: each patch its own operation, applied and
#     encoded, then the final state encoded): cold time, warm time, encoded size, heap;
#   - replays it with Yjs and Automerge (node, npm packages pinned in node/package-lock.json);
#   - measures local ops/s of pn-counter and lww-map, and B4x100 (26 M ops) on -Xmx1g;
#   - ends with: B4 rhizome_ms=… yjs_ms=… automerge_ms=… encoded_bytes=… heap_mb=…
#
# Environment: RHIZOME_TRACES (folder of the editing traces; default ../shared/data/editing-traces
# beside the repository), MAVEN_REPO (default ~/.m2/repository), RHIZOME_BENCH_SKIP_BUILD=1 to
# reuse built jars, RHIZOME_BENCH_X100=0 to skip B4x100.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# The newest JDK 17+ installed (RHIZOME_JAVA_HOME pins one), as ./rhizome and ./mvnw use.
PATH="$("$repo/releng/best-jdk.sh" javac)/bin:$PATH"
what=${1:-}
if [[ "$what" != "b4" ]]; then
  echo "usage: $0 b4" >&2
  exit 2
fi

traces=${RHIZOME_TRACES:-}
if [[ -z "$traces" ]]; then
  for candidate in "$repo/../shared/data/editing-traces" "$repo/../../shared/data/editing-traces"; do
    if [[ -d "$candidate" ]]; then traces=$candidate; break; fi
  done
fi
trace="$traces/automerge-paper.json.gz"
if [[ ! -f "$trace" ]]; then
  echo "error: automerge-paper.json.gz not found (looked in '${traces:-../shared/data/editing-traces}'); set RHIZOME_TRACES" >&2
  exit 2
fi

m2=${MAVEN_REPO:-$HOME/.m2/repository}
if [[ "${RHIZOME_BENCH_SKIP_BUILD:-0}" != "1" ]]; then
  echo "== building io.rhizome.api and io.rhizome.crdt"
  (cd "$repo" && ./mvnw -B -q package -DskipTests -pl bundles/io.rhizome.api,bundles/io.rhizome.crdt -am)
fi
# The same Jackson the target platform pins (target-platform/rhizome.target); Tycho put it in $m2.
jackson="$m2/com/fasterxml/jackson/core"
cp="$repo/bundles/io.rhizome.api/target/classes:$repo/bundles/io.rhizome.crdt/target/classes"
cp="$cp:$jackson/jackson-core/2.22.4/jackson-core-2.22.4.jar:$jackson/jackson-databind/2.22.4/jackson-databind-2.22.4.jar"
cp="$cp:$jackson/jackson-annotations/2.22/jackson-annotations-2.22.jar"
for jar in ${cp//:/ }; do
  if [[ ! -e "$jar" ]]; then echo "error: $jar missing (run without RHIZOME_BENCH_SKIP_BUILD, or set MAVEN_REPO)" >&2; exit 2; fi
done
rm -rf "$here/target/classes" && mkdir -p "$here/target/classes"
javac -nowarn -d "$here/target/classes" -cp "$cp" $(find "$here/src" -name '*.java')
cp="$here/target/classes:$cp"

if [[ ! -d "$here/node/node_modules/yjs" || ! -d "$here/node/node_modules/@automerge/automerge" ]]; then
  echo "== installing yjs and @automerge/automerge (npm ci)"
  (cd "$here/node" && npm ci --no-audit --no-fund --loglevel=error)
fi

java_opts=(-Xmx1g -XX:+UseParallelGC)
field() { # field <line> <key>
  grep -o "$2=[^ ]*" <<<"$1" | head -1 | cut -d= -f2
}

echo "== machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(java -version 2>&1 | head -1), node $(node --version)"
echo "== B4 Rhizome (text, TextReplica fast path)"
rh=$(java "${java_opts[@]}" -cp "$cp" io.rhizome.bench.CrdtBench b4 "$trace" 5)
echo "$rh"
echo "== B4 Rhizome again on a 32 MB heap (does the document fit?)"
java -Xmx32m -XX:+UseParallelGC -cp "$cp" io.rhizome.bench.CrdtBench b4 "$trace" 0 || echo "rhizome b4 on -Xmx32m FAILED"
echo "== B4 Yjs $(node -p "require('$here/node/node_modules/yjs/package.json').version")"
yjs=$(cd "$here/node" && node --expose-gc b4-yjs.mjs "$trace")
echo "$yjs"
echo "== B4 Automerge $(node -p "require('$here/node/node_modules/@automerge/automerge/package.json').version") (takes a while)"
am=$(cd "$here/node" && node --expose-gc b4-automerge.mjs "$trace")
echo "$am"
echo "== local operations per second (one thread, CrdtReplica.mutate with JSON intents)"
java "${java_opts[@]}" -cp "$cp" io.rhizome.bench.CrdtBench ops
if [[ "${RHIZOME_BENCH_X100:-1}" != "0" ]]; then
  echo "== B4x100 on -Xmx1g (the trace applied 100 times to one document)"
  java -Xmx1g -cp "$cp" io.rhizome.bench.CrdtBench b4x100 "$trace" 100 || echo "rhizome b4x100 FAILED (exit $?)"
fi

rh_ms=$(field "$rh" cold_ms)
yjs_ms=$(field "$yjs" ms)
am_ms=$(field "$am" ms)
echo "== ratios (cold Rhizome run vs. one Yjs / Automerge run): yjs/rhizome=$(awk "BEGIN{printf \"%.1f\", $yjs_ms/$rh_ms}")x automerge/rhizome=$(awk "BEGIN{printf \"%.1f\", $am_ms/$rh_ms}")x; encoded: rhizome=$(field "$rh" encoded_bytes) yjs=$(field "$yjs" encoded_bytes) automerge=$(field "$am" encoded_bytes)"
echo "B4 rhizome_ms=$rh_ms yjs_ms=$yjs_ms automerge_ms=$am_ms encoded_bytes=$(field "$rh" encoded_bytes) heap_mb=$(field "$rh" peak_heap_mb)"
