#!/usr/bin/env bash
# Benchmarks of the durable MapDB store (io.rhizome.store.mapdb), outside OSGi, on real files.
#
#   tests/benchmarks/store/run.sh                 both runs below, default sizes
#   tests/benchmarks/store/run.sh enqueue [WRITERS] [SECONDS] [shared]  durable enqueue rate (group commit);
#                                                                 shared: all writers are one author
#   tests/benchmarks/store/run.sh fill [TOTAL] [WRITERS] [PER_CALL] fill to TOTAL entries (default 10 M),
#                                                                 heap and disk every 10 %
#   tests/benchmarks/store/run.sh checkpoint [ENTITIES] [BYTES]   checkpoint ENTITIES states (default 200,000
#                                                                 of 300 B), re-open (opens every one), read back
#
# Environment: BENCH_DIR (default: a fresh folder under ${TMPDIR:-/tmp}, deleted afterwards unless
# BENCH_KEEP=1), BENCH_HEAP (default 512m: the 10 M run must fit in it, the log lives on disk).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
# The newest JDK 17+ installed (RHIZOME_JAVA_HOME pins one), as ./rhizome and ./mvnw use.
PATH="$("$ROOT/releng/best-jdk.sh" javac)/bin:$PATH"
PLUGINS="$ROOT/releng/io.rhizome.product/target/products/io.rhizome.node/linux/gtk/x86_64/plugins"
OUT="$ROOT/tests/benchmarks/store/target"

if ! compgen -G "$PLUGINS/io.rhizome.store.mapdb_*.jar" >/dev/null; then
  echo "store bench: building the node once (./mvnw -B -q -DskipTests package)..." >&2
  (cd "$ROOT" && ./mvnw -B -q -DskipTests package) >&2
fi

# The store and what it needs, straight from the product: the same jars the node runs.
CP=""
for pattern in io.rhizome.api_ io.rhizome.store.mapdb_ org.mapdb.mapdb_ org.mapdb.elsa_ \
    org.eclipse.collections.api_ org.eclipse.collections.impl_ com.google.guava_ \
    com.google.guava.failureaccess_ lz4-java_ wrapped.org.jetbrains.kotlin.kotlin-stdlib_ slf4j.api_; do
  jar=$(compgen -G "$PLUGINS/${pattern}*.jar" | head -n 1) || { echo "missing $pattern in $PLUGINS" >&2; exit 2; }
  CP="$CP:$jar"
done
CP=${CP#:}

mkdir -p "$OUT/classes"
javac -d "$OUT/classes" -cp "$CP" "$HERE/StoreBench.java"

DIR=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/rhizome-store-bench.XXXXXX")}
cleanup() { [ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$DIR"; }
trap cleanup EXIT

bench() {
  java -Xmx"${BENCH_HEAP:-512m}" -cp "$OUT/classes:$CP" StoreBench "$@"
}

echo "store bench: $(nproc) cores, $(java -version 2>&1 | head -n 1), data in $DIR"
case "${1:-all}" in
  enqueue) bench enqueue "$DIR/enqueue" "${2:-64}" "${3:-20}" "${4:-}" ;;
  fill) bench fill "$DIR/fill" "${2:-10000000}" "${3:-8}" "${4:-100}" ;;
  checkpoint) bench checkpoint "$DIR/checkpoint" "${2:-200000}" "${3:-300}" ;;
  all)
    bench enqueue "$DIR/enqueue" 64 20
    bench enqueue "$DIR/enqueue-shared" 64 20 shared
    bench fill "$DIR/fill" 10000000 8 100
    bench checkpoint "$DIR/checkpoint" 200000 300
    ;;
  *) echo "usage: $0 [enqueue [WRITERS] [SECONDS] | fill [TOTAL] [WRITERS] [PER_CALL] | checkpoint [ENTITIES] [BYTES]]" >&2; exit 2 ;;
esac
