#!/usr/bin/env bash
# Engine benchmarks (issue 4): 1M change sets between two engines over the in-memory transport,
# durable enqueue rate with group commit, and write -> remote listener latency.
#
#   tests/benchmarks/engine/run.sh                      # all three, in-memory store
#   tests/benchmarks/engine/run.sh --only enqueue --threads 32
#   tests/benchmarks/engine/run.sh --only policy --events 200000 --rounds 3   # enterprise vs allow-all, same run
#   tests/benchmarks/engine/run.sh --only sync --store mapdb --store-dir /tmp/bench   # the MapDB store (sealed, random key per node)
#   BENCH_EXTRA_CP=path/to/store.jar:path/to/its-libraries.jar \
#     tests/benchmarks/engine/run.sh --store class:FQCN --store-dir /tmp/bench          # any other store
#
# Environment: SKIP_BUILD=1 reuses the bundle jars already in */target; BENCH_HEAP (default 4g);
# BENCH_EXTRA_CP is appended to the class path (a store implementation and its libraries);
# BENCH_JAVA_OPTS adds JVM options (e.g. -XX:StartFlightRecording=filename=/tmp/b.jfr).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
# The newest JDK 17+ installed (RHIZOME_JAVA_HOME pins one), as ./rhizome and ./mvnw use.
PATH="$("$root/releng/best-jdk.sh" javac)/bin:$PATH"
cd "$root"
if [[ "${SKIP_BUILD:-0}" != "1" ]]; then
  ./mvnw -B -q package -DskipTests \
    -pl bundles/io.rhizome.api,bundles/io.rhizome.core,bundles/io.rhizome.crdt,bundles/io.rhizome.transport.memory,bundles/io.rhizome.policy.personal,bundles/io.rhizome.policy.enterprise,bundles/io.rhizome.conformance
fi
./mvnw -B -q -f "$here/pom.xml" package
v=0.1.0-SNAPSHOT
cp="$here/target/classes:$(cat "$here/target/classpath.txt")"
for j in bundles/io.rhizome.api/target/io.rhizome.api-$v.jar bundles/io.rhizome.core/target/io.rhizome.core-$v.jar \
         bundles/io.rhizome.crdt/target/io.rhizome.crdt-$v.jar bundles/io.rhizome.transport.memory/target/io.rhizome.transport.memory-$v.jar \
         bundles/io.rhizome.policy.enterprise/target/io.rhizome.policy.enterprise-$v.jar bundles/io.rhizome.conformance/target/io.rhizome.conformance-$v.jar; do
  cp="$cp:$root/$j"
done
if [[ -n "${BENCH_EXTRA_CP:-}" ]]; then cp="$cp:$BENCH_EXTRA_CP"; fi
# --store mapdb: the MapDB store and its libraries, from the node product the build made
args=()
while [ $# -gt 0 ]; do
  if [ "$1" = --store ] && [ "${2:-}" = mapdb ]; then
    plugins="$root/releng/io.rhizome.product/target/products/io.rhizome.node/linux/gtk/x86_64/plugins"
    if ! compgen -G "$plugins/io.rhizome.store.mapdb_*.jar" >/dev/null; then
      if [[ "${SKIP_BUILD:-0}" == "1" ]]; then echo "--store mapdb needs the node product: run ./mvnw -B verify -DskipTests first (or drop SKIP_BUILD)" >&2; exit 2; fi
      ./mvnw -B -q verify -DskipTests
    fi
    for j in io.rhizome.store.mapdb_ bcprov_ com.google.guava lz4-java_ org.eclipse.collections. org.mapdb. wrapped.org.jetbrains.kotlin.kotlin-stdlib_; do
      for f in "$plugins/$j"*.jar; do cp="$cp:$f"; done
    done
    args+=(--store class:io.rhizome.store.mapdb.internal.MapDbReplicaStore); shift 2
  else
    args+=("$1"); shift
  fi
done
set -- "${args[@]}"
exec java ${BENCH_JAVA_OPTS:-} -Xms"${BENCH_HEAP:-4g}" -Xmx"${BENCH_HEAP:-4g}" -XX:+UseParallelGC -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "$cp" io.rhizome.bench.engine.EngineBench "$@"
