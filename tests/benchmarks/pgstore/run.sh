#!/usr/bin/env bash
# Append throughput of the PostgreSQL store (io.rhizome.store.postgres) with one and two hub
# processes on one throwaway PostgreSQL server (Debian's postgresql binaries; fsync and
# synchronous_commit on). Run after a build (./mvnw -B -DskipTests verify); niced.
#
#   tests/benchmarks/pgstore/run.sh                         the rows of the README's sizing table
#   tests/benchmarks/pgstore/run.sh PROCESSES WRITERS PER_CALL SECONDS   one run
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
PATH="$("$ROOT/releng/best-jdk.sh" javac)/bin:$PATH"
OUT="$HERE/target"
M2=${MAVEN_REPO:-$HOME/.m2/repository}

CP=""
for jar in "$ROOT"/bundles/io.rhizome.api/target/io.rhizome.api-*-SNAPSHOT.jar \
    "$ROOT"/bundles/io.rhizome.store.postgres/target/io.rhizome.store.postgres-*-SNAPSHOT.jar \
    "$ROOT"/tests/io.rhizome.testsupport/target/io.rhizome.testsupport-*-SNAPSHOT.jar \
    "$M2"/org/postgresql/postgresql/42.7.14/postgresql-42.7.14.jar \
    "$M2"/org/slf4j/slf4j-api/2.0.17/slf4j-api-2.0.17.jar; do
  [ -f "$jar" ] || { echo "missing $jar: build first (./mvnw -B -DskipTests verify)" >&2; exit 2; }
  CP="$CP:$jar"
done
CP=${CP#:}
mkdir -p "$OUT/classes"
javac -d "$OUT/classes" -cp "$CP" "$HERE/PgStoreBench.java"

bench() { nice java -Xmx256m -cp "$OUT/classes:$CP" PgStoreBench run "$@"; }
echo "pgstore bench: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(java -version 2>&1 | head -n 1)"
if [ $# -eq 4 ]; then
  bench "$@"
else
  for procs in 1 2; do
    bench "$procs" 8 1 20
    bench "$procs" 8 100 20
  done
fi
