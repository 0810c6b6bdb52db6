#!/usr/bin/env bash
# Rhizome CRDT benchmarks. Usage: tests/benchmarks/bench.sh b4
#
# b4: in one run,
#   - builds io.rhizome.api and io.rhizome.crdt (./mvnw) and compiles the Java harness;
#   - replays automerge-paper into Rhizome `text` (B4: each patch its own operation, applied and
#     encoded, then the final state encoded): cold time, warm time, encoded size, heap;
#   - replays it with Yjs and Automerge (node, npm packages pinned in node/package-lock.json);
#   - the remote path, each round in a fresh JVM and a fresh node process (see RemoteBench and
#     node/b4-yjs-remote.mjs): the 259,778 encoded updates applied on a second replica
#     (Y.applyUpdate per update), a state round (encode, decode as a copy, merge into a diverged
#     replica) and a workload of 2,012 state copies and 2,300 merges, Rhizome next to Yjs;
#   - measures local ops/s of pn-counter and lww-map, and B4x100 (26 M ops) on -Xmx1g;
#   - ends with: B4 rhizome_ms=… yjs_ms=… automerge_ms=… encoded_bytes=… heap_mb=… and
#     REMOTE apply: … state: … workload: … (Yjs time / Rhizome time: wall and CPU, cold and warm)
#
# Environment: RHIZOME_TRACES (folder of the editing traces; default ../shared/data/editing-traces
# beside the repository), MAVEN_REPO (default ~/.m2/repository), RHIZOME_BENCH_SKIP_BUILD=1 to
# reuse built jars, RHIZOME_BENCH_X100=0 to skip B4x100, RHIZOME_BENCH_AUTOMERGE=0 to skip Automerge,
# RHIZOME_BENCH_ONLY=remote for the remote path alone.
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
# The same Jackson and lz4-java the target platform pins (target-platform/rhizome.target); Tycho put them in $m2.
jackson="$m2/com/fasterxml/jackson/core"
cp="$repo/bundles/io.rhizome.api/target/classes:$repo/bundles/io.rhizome.crdt/target/classes"
cp="$cp:$jackson/jackson-core/2.22.4/jackson-core-2.22.4.jar:$jackson/jackson-databind/2.22.4/jackson-databind-2.22.4.jar"
cp="$cp:$jackson/jackson-annotations/2.22/jackson-annotations-2.22.jar"
# lz4-java (large sequence states are LZ4-compressed), the version the target platform pins.
cp="$cp:$m2/at/yawk/lz4/lz4-java/1.14.1/lz4-java-1.14.1.jar"
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

ratio() { awk "BEGIN{printf \"%.1f\", $1/$2}"; }
remote_path() {
  local round rh_line yjs_line pair
  for round in remote state workload; do
    echo "== remote path: $round (Rhizome, fresh JVM)"
    rh_line=$(java "${java_opts[@]}" -cp "$cp" io.rhizome.bench.CrdtBench "$round" "$trace" 3)
    echo "$rh_line"
    echo "== remote path: $round (Yjs, fresh node)"
    yjs_line=$(cd "$here/node" && node b4-yjs-remote.mjs "$trace" "$round" 3)
    echo "$yjs_line"
    # Two ratios each: wall time, and process CPU time (on a loaded machine wall time mostly
    # measures waiting for a core).
    case $round in
      remote|state) pair="cold $(ratio "$(field "$yjs_line" cold_ms)" "$(field "$rh_line" cold_ms)")x (cpu $(ratio "$(field "$yjs_line" cold_cpu_ms)" "$(field "$rh_line" cold_cpu_ms)")x), warm $(ratio "$(field "$yjs_line" warm_median_ms)" "$(field "$rh_line" warm_median_ms)")x (cpu $(ratio "$(field "$yjs_line" warm_cpu_ms)" "$(field "$rh_line" warm_cpu_ms)")x)" ;;
      workload) pair="$(ratio "$(field "$yjs_line" ms)" "$(field "$rh_line" ms)")x (cpu $(ratio "$(field "$yjs_line" cpu_ms)" "$(field "$rh_line" cpu_ms)")x)" ;;
    esac
    case $round in
      remote) r_apply=$pair ;;
      state) r_state=$pair ;;
      workload) r_work=$pair ;;
    esac
  done
  echo "== remote path ratios (Yjs time / Rhizome time, same run): apply $r_apply; state $r_state; workload $r_work"
}

echo "== machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(java -version 2>&1 | head -1), node $(node --version)"
if [[ "${RHIZOME_BENCH_ONLY:-}" == "remote" ]]; then
  remote_path
  echo "REMOTE apply: $r_apply; state: $r_state; workload: $r_work"
  exit 0
fi
echo "== B4 Rhizome (text, TextReplica fast path)"
rh=$(java "${java_opts[@]}" -cp "$cp" io.rhizome.bench.CrdtBench b4 "$trace" 5)
echo "$rh"
echo "== B4 Rhizome again on a 32 MB heap (does the document fit?)"
java -Xmx32m -XX:+UseParallelGC -cp "$cp" io.rhizome.bench.CrdtBench b4 "$trace" 0 || echo "rhizome b4 on -Xmx32m FAILED"
echo "== B4 Yjs $(node -p "require('$here/node/node_modules/yjs/package.json').version")"
yjs=$(cd "$here/node" && node --expose-gc b4-yjs.mjs "$trace")
echo "$yjs"
if [[ "${RHIZOME_BENCH_AUTOMERGE:-1}" != "0" ]]; then
  echo "== B4 Automerge $(node -p "require('$here/node/node_modules/@automerge/automerge/package.json').version") (takes a while)"
  am=$(cd "$here/node" && node --expose-gc b4-automerge.mjs "$trace")
  echo "$am"
else
  am="automerge skipped ms=nan encoded_bytes=skipped"
fi
remote_path
echo "== local operations per second (one thread, CrdtReplica.mutate with JSON intents)"
java "${java_opts[@]}" -cp "$cp" io.rhizome.bench.CrdtBench ops
if [[ "${RHIZOME_BENCH_X100:-1}" != "0" ]]; then
  echo "== B4x100 on -Xmx1g (the trace applied 100 times to one document)"
  java -Xmx1g -cp "$cp" io.rhizome.bench.CrdtBench b4x100 "$trace" 100 || echo "rhizome b4x100 FAILED (exit $?)"
fi

rh_ms=$(field "$rh" cold_ms)
yjs_ms=$(field "$yjs" ms)
am_ms=$(field "$am" ms)
echo "== ratios (cold Rhizome run vs. one Yjs / Automerge run): yjs/rhizome=$(ratio "$yjs_ms" "$rh_ms")x automerge/rhizome=$([[ "$am_ms" == nan ]] && echo skipped || echo "$(ratio "$am_ms" "$rh_ms")x"); encoded: rhizome=$(field "$rh" encoded_bytes) yjs=$(field "$yjs" encoded_bytes) automerge=$(field "$am" encoded_bytes)"
echo "REMOTE apply: $r_apply; state: $r_state; workload: $r_work"
echo "B4 rhizome_ms=$rh_ms yjs_ms=$yjs_ms automerge_ms=$am_ms encoded_bytes=$(field "$rh" encoded_bytes) heap_mb=$(field "$rh" peak_heap_mb)"
