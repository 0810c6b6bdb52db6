#!/bin/sh
# Builds the notes example (examples/notes-rcp) against the Rhizome p2 site and runs its
# two-instance test under a private Xvfb display. Needs the site first: ./mvnw -B verify -DskipTests
# at the top of the repository. Options go to Maven (e.g. -o, -DskipTests).
#
#   examples/notes-rcp/build.sh [MAVEN OPTIONS]
#   RHIZOME_SITE=file:///elsewhere/repository examples/notes-rcp/build.sh   (or a plain absolute path)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
die() { echo "notes-rcp: $*" >&2; exit 1; }

site="${RHIZOME_SITE:-file://$root/releng/io.rhizome.product/target/repository}"
# a plain path (as examples/build.sh passes it) becomes the file URL Tycho needs
case "$site" in /*) site="file://$site" ;; esac
case "$site" in
  file://*) [ -f "${site#file://}/content.jar" ] || [ -f "${site#file://}/content.xml.xz" ] \
    || die "no Rhizome p2 site at ${site#file://}: run ./mvnw -B verify -DskipTests in $root first" ;;
esac
# the Eclipse workbench bundles require Java 21; ./mvnw runs the newest JDK installed (releng/best-jdk.sh)
jdk=$(sh "$root/releng/best-jdk.sh" javac) || die "no JDK found"
feature=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$jdk/release" 2>/dev/null | head -n 1)
[ "${feature:-0}" -ge 21 ] || die "the example needs a JDK 21 or newer (the newest here, $jdk, is ${feature:-of unknown version})"
command -v Xvfb >/dev/null 2>&1 || die "Xvfb is not installed (Debian: apt-get install xvfb libgtk-3-0)"

# a display nobody uses: the first number without an X lock file
n=87
while [ -e "/tmp/.X$n-lock" ] || [ -e "/tmp/.X11-unix/X$n" ]; do
  n=$((n + 1))
  [ $n -lt 200 ] || die "no free X display number between 87 and 199"
done
Xvfb ":$n" -screen 0 1300x520x24 -nolisten tcp >"${TMPDIR:-/tmp}/notes-rcp-xvfb-$n.log" 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null || true' EXIT INT TERM
i=0
until [ -e "/tmp/.X11-unix/X$n" ]; do
  kill -0 $xvfb 2>/dev/null || die "Xvfb :$n did not start: $(cat "${TMPDIR:-/tmp}/notes-rcp-xvfb-$n.log")"
  i=$((i + 1))
  [ $i -lt 100 ] || die "Xvfb :$n did not open its socket within 10 s"
  sleep 0.1
done

cd "$here"
start=$(date +%s)
DISPLAY=":$n" "$root/mvnw" -B -Drhizome.site="$site" "$@" verify
echo "notes-rcp: built and tested in $(( $(date +%s) - start )) s"
