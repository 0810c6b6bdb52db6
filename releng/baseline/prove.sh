#!/usr/bin/env bash
# Shows that the API baseline check works: in a throw-away copy of this checkout (git archive of
# HEAD, so nothing here is touched), it
#   1. adds a method to io.rhizome.spi.transport.Transport (a @ConsumerType: a major change of the
#      package) and builds io.rhizome.api: the build must FAIL with Tycho's "Baseline problems found",
#   2. then gives the change the versions the check asks for: io.rhizome.spi.transport 1.0.0 in
#      Export-Package and the bundle 1.0.0 (Bundle-Version and the module's pom): the build must PASS.
# Usage: releng/baseline/prove.sh   (offline once the main build has run; about two minutes)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d /tmp/rhizome-baseline-proof.XXXXXX)"
trap 'rm -rf "$work"' EXIT
git -C "$root" archive HEAD | tar -x -C "$work"
cd "$work"
transport=bundles/io.rhizome.api/src/io/rhizome/spi/transport/Transport.java
manifest=bundles/io.rhizome.api/META-INF/MANIFEST.MF
python3 - "$transport" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
i = s.rstrip().rfind('}')
s = s[:i] + "\n    /** Added without a new major version of the package: the baseline check must refuse it. */\n    int priority();\n}\n"
open(p, 'w').write(s)
PY
echo "[proof] 1. a method added to Transport (@ConsumerType), package version unchanged"
if ./mvnw -B -o verify -pl bundles/io.rhizome.api > "$work/first.log" 2>&1; then
  echo "[proof] FAILED: the build passed although Transport changed incompatibly" >&2; exit 1
fi
grep -q "Baseline problems found" "$work/first.log" || { echo "[proof] FAILED: the build failed, but not for the baseline:" >&2; tail -40 "$work/first.log" >&2; exit 1; }
grep -E "MAJOR|Baseline problems found|io.rhizome.spi.transport" "$work/first.log" | sed 's/^/[proof]   /' | head -12
echo "[proof] 1. refused, as it must be"
sed -i 's/io.rhizome.spi.transport;version="0.1.0"/io.rhizome.spi.transport;version="1.0.0"/; s/^Bundle-Version: 0.1.0.qualifier/Bundle-Version: 1.0.0.qualifier/' "$manifest"
sed -i 's#<artifactId>io.rhizome.api</artifactId>#<artifactId>io.rhizome.api</artifactId><version>1.0.0-SNAPSHOT</version>#' bundles/io.rhizome.api/pom.xml
echo "[proof] 2. the same change with io.rhizome.spi.transport 1.0.0 and the bundle 1.0.0"
if ! ./mvnw -B -o verify -pl bundles/io.rhizome.api > "$work/second.log" 2>&1; then
  echo "[proof] FAILED: the build still fails with the package version raised:" >&2; tail -40 "$work/second.log" >&2; exit 1
fi
echo "[proof] 2. accepted: the check asks for the versions Export-Package and Bundle-Version declare"
echo "1 passed, 0 failed: baseline proof"
