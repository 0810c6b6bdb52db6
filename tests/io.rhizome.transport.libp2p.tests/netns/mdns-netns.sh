#!/usr/bin/env bash
# mDNS check in a private network namespace with only loopback (unshare -rn): two libp2p transports
# must discover each other by multicast and exchange a message. Needs unprivileged user namespaces.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
m2="${MAVEN_REPO:-$HOME/.m2/repository}"
if [ -z "${SKIP_BUILD:-}" ]; then
  (cd "$root" && ./mvnw -B -q package -pl bundles/io.rhizome.transport.libp2p -am -DskipTests)
fi
jar=$(ls "$root"/bundles/io.rhizome.transport.libp2p/target/io.rhizome.transport.libp2p-*.jar | head -1)
netty=4.1.118.Final
cp="$jar:$root/bundles/io.rhizome.api/target/classes"
for a in netty-common netty-buffer netty-resolver netty-transport netty-codec; do
  cp="$cp:$m2/io/netty/$a/$netty/$a-$netty.jar"
done
cp="$cp:$m2/org/bouncycastle/bcprov-jdk18on/1.87/bcprov-jdk18on-1.87.jar:$m2/org/slf4j/slf4j-api/2.0.17/slf4j-api-2.0.17.jar"
exec unshare -rn sh -c "ip link set lo up && ip link set lo multicast on && ip route add 224.0.0.0/4 dev lo \
  && exec timeout 120 ${JAVA:-java} -cp '$cp' '$here/MdnsNetnsCheck.java' '$root/tests/io.rhizome.transport.libp2p.tests/js'"
