#!/usr/bin/env bash
# Builds the example UDP transport against the Rhizome p2 site and runs all its tests:
#   1. its own Tycho build (pom.xml here): the bundle, then its test fragment inside Equinox
#      (tycho-surefire): the SDK's transport conformance suite and the lossy-path test;
#   2. the end-to-end test with two real daemons of the node product (NodeUdpTransportExampleTest in
#      releng/io.rhizome.node.it), which installs the jar just built with `rhizome plugins install`.
# Needs the main build's output (the p2 site and the node product): ./mvnw -B verify [-DskipTests].
# Usage: examples/transport-udp/build.sh [MAVEN ARGS...]   (RHIZOME_SITE=/path/to/site for another site)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="${RHIZOME_ROOT:-$(cd "$here/../.." && pwd)}"
site="${RHIZOME_SITE:-$root/releng/io.rhizome.product/target/repository}"
"$root/mvnw" -B -f "$here/pom.xml" verify "-Drhizome.site=$site" "$@"
jar=$(ls "$here"/com.example.rhizome.transport.udp/target/com.example.rhizome.transport.udp-*.jar | grep -v -- -sources | head -n 1)
echo "[transport-udp] built $jar; the end-to-end test with two daemons:"
cd "$root"
./mvnw -B verify -pl releng/io.rhizome.node.it -Dtest=NodeUdpTransportExampleTest "-Drhizome.example.udp.jar=$jar" "$@"
