#!/usr/bin/env bash
# Crypto benchmarks (JMH 1.37 from Maven Central): AEAD seal+open throughput, small change sets
# per second (signed per change set and per batch of 256), Ed25519 sign/verify.
#
#   tests/benchmarks/crypto/run.sh              full run (about 4 minutes on 2 cores)
#   tests/benchmarks/crypto/run.sh -f 1 -wi 1 -i 1 -r 1s   any JMH options, e.g. a quick smoke run
#   tests/benchmarks/crypto/run.sh ChangeSet    only benchmarks matching a regex
#   tests/benchmarks/crypto/run.sh --cpu [text] the same cases timed in CPU-seconds of the measuring
#                                               thread (CpuTimeHarness): one core's throughput even
#                                               on a shared, overloaded machine
#
# Results: JMH's table on stdout and JSON in tests/benchmarks/crypto/target/results.json.
# The providers run as plain classes (no OSGi): the benchmark measures the crypto, not the framework.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
# The newest JDK 17+ installed (RHIZOME_JAVA_HOME pins one), as ./rhizome and ./mvnw use.
PATH="$("$ROOT/releng/best-jdk.sh" javac)/bin:$PATH"
OUT="$HERE/target"
M2="${MAVEN_REPO:-$HOME/.m2/repository}"
JMH=1.37

cd "$ROOT"
if [[ ! -f bundles/io.rhizome.crypto.bc/target/io.rhizome.crypto.bc-0.1.0-SNAPSHOT.jar || ! -f bundles/io.rhizome.crypto.jca/target/io.rhizome.crypto.jca-0.1.0-SNAPSHOT.jar \
      || -n "$(find bundles/io.rhizome.api/src bundles/io.rhizome.crypto.bc/src bundles/io.rhizome.crypto.jca/src -newer bundles/io.rhizome.crypto.bc/target/io.rhizome.crypto.bc-0.1.0-SNAPSHOT.jar -name '*.java' | head -1)" ]]; then
  echo "building the crypto bundles..." >&2
  ./mvnw -q -B package -DskipTests -pl bundles/io.rhizome.api,bundles/io.rhizome.crypto.bc,bundles/io.rhizome.crypto.jca -am >&2
fi
for a in org.openjdk.jmh:jmh-core:$JMH org.openjdk.jmh:jmh-generator-annprocess:$JMH net.sf.jopt-simple:jopt-simple:5.0.4 \
         org.apache.commons:commons-math3:3.6.1 org.bouncycastle:bcprov-jdk18on:1.87; do
  IFS=: read -r g n v <<<"$a"
  [[ -f "$M2/${g//.//}/$n/$v/$n-$v.jar" ]] || ./mvnw -q -B -N dependency:get -Dartifact="$a" -Dtransitive=false >&2
done
jar() { local g=$1 n=$2 v=$3; echo "$M2/${g//.//}/$n/$v/$n-$v.jar"; }
LIBS="$(jar org/openjdk/jmh jmh-core $JMH):$(jar net/sf/jopt-simple jopt-simple 5.0.4):$(jar org/apache/commons commons-math3 3.6.1)"
LIBS="$LIBS:$(jar org/bouncycastle bcprov-jdk18on 1.87)"
LIBS="$LIBS:$ROOT/bundles/io.rhizome.api/target/io.rhizome.api-0.1.0-SNAPSHOT.jar"
LIBS="$LIBS:$ROOT/bundles/io.rhizome.crypto.bc/target/io.rhizome.crypto.bc-0.1.0-SNAPSHOT.jar"
LIBS="$LIBS:$ROOT/bundles/io.rhizome.crypto.jca/target/io.rhizome.crypto.jca-0.1.0-SNAPSHOT.jar"

rm -rf "$OUT/classes" && mkdir -p "$OUT/classes"
javac --release 17 -d "$OUT/classes" -cp "$LIBS" \
  -processorpath "$(jar org/openjdk/jmh jmh-generator-annprocess $JMH):$(jar org/openjdk/jmh jmh-core $JMH)" \
  $(find "$HERE/src" -name '*.java')

if [[ "${1:-}" == "--cpu" ]]; then
  shift
  exec java -Xmx2g -cp "$OUT/classes:$LIBS" io.rhizome.crypto.bench.CpuTimeHarness "$@"
fi
DEFAULTS=(-rf json -rff "$OUT/results.json")
exec java -cp "$OUT/classes:$LIBS" org.openjdk.jmh.Main "${DEFAULTS[@]}" "$@"
