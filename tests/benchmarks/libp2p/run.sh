#!/usr/bin/env bash
# Loopback benchmark: Rhizome libp2p vs js-libp2p throughput, and handshake time.
# Usage: tests/benchmarks/libp2p/run.sh [MiB per run]   (needs JDK 17+, Node 20+, ./mvnw)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
# The newest JDK 17+ installed (RHIZOME_JAVA_HOME pins one), as ./rhizome and ./mvnw use.
PATH="$("$root/releng/best-jdk.sh" javac)/bin:$PATH"
js="$root/tests/io.rhizome.transport.libp2p.tests/js"
m2="${MAVEN_REPO:-$HOME/.m2/repository}"

if [ ! -d "$js/node_modules" ]; then
  (cd "$js" && npm ci --no-audit --no-fund)
fi
if [ -z "${SKIP_BUILD:-}" ]; then
  (cd "$root" && ./mvnw -B -q package -pl bundles/io.rhizome.transport.libp2p -am -DskipTests)
fi
jar=$(ls "$root"/bundles/io.rhizome.transport.libp2p/target/io.rhizome.transport.libp2p-*.jar | grep -v -- -sources.jar | head -1)
netty=4.1.118.Final
cp="$jar:$root/bundles/io.rhizome.api/target/classes"
for a in netty-common netty-buffer netty-resolver netty-transport netty-codec; do
  cp="$cp:$m2/io/netty/$a/$netty/$a-$netty.jar"
done
cp="$cp:$m2/org/bouncycastle/bcprov-jdk18on/1.87/bcprov-jdk18on-1.87.jar"
cp="$cp:$m2/org/slf4j/slf4j-api/2.0.17/slf4j-api-2.0.17.jar"
exec "${JAVA:-java}" -Xmx1g ${JAVA_OPTS:-} -cp "$cp" -Dbench.js="$js" -Dbench.mib="${1:-256}" "$here/Bench.java"
