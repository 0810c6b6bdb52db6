#!/usr/bin/env bash
# Builds every example against the p2 site the main build left in
# releng/io.rhizome.product/target/repository and runs its tests, as CI does after `./mvnw -B verify`;
# exits non-zero if any example fails (all are tried). See examples/README.md for the convention:
#   examples/NAME/build.sh (executable)  run as it is, with RHIZOME_ROOT and RHIZOME_SITE set and this
#                                        script's arguments passed on (e.g. -o for an offline build);
#   otherwise examples/NAME/pom.xml      ../mvnw -B -f examples/NAME/pom.xml verify -Drhizome.site=SITE ARGS.
# Usage: examples/build.sh [MAVEN ARGS...]      (RHIZOME_SITE=/path/to/site to use another p2 site)
set -uo pipefail
cd "$(dirname "$0")"
root="$(cd .. && pwd)"
export RHIZOME_ROOT="$root"
export RHIZOME_SITE="${RHIZOME_SITE:-$root/releng/io.rhizome.product/target/repository}"
log() { echo "[examples] $*"; }
if [ ! -f "$RHIZOME_SITE/content.jar" ] && [ ! -f "$RHIZOME_SITE/content.xml" ] && [ ! -f "$RHIZOME_SITE/content.xml.xz" ]; then
  log "no p2 site at $RHIZOME_SITE: build Rhizome first (./mvnw -B verify, or ./mvnw -B verify -DskipTests)"
  exit 2
fi
passed=()
failed=()
for dir in */; do
  name="${dir%/}"
  if [ -x "$name/build.sh" ]; then
    cmd=("$name/build.sh" "$@")
  elif [ -f "$name/pom.xml" ]; then
    cmd=("$root/mvnw" -B -f "$name/pom.xml" verify "-Drhizome.site=$RHIZOME_SITE" "$@")
  else
    continue
  fi
  log "$name: ${cmd[*]}"
  start=$(date +%s)
  if "${cmd[@]}"; then
    passed+=("$name")
    log "$name: built and tested in $(( $(date +%s) - start )) s"
  else
    failed+=("$name")
    log "$name: FAILED after $(( $(date +%s) - start )) s"
  fi
done
if [ ${#passed[@]} -eq 0 ] && [ ${#failed[@]} -eq 0 ]; then
  log "no example found (a folder with an executable build.sh or a pom.xml)"
  exit 1
fi
log "${#passed[@]} examples built and tested (${passed[*]:-none}), ${#failed[@]} failed (${failed[*]:-none})"
[ ${#failed[@]} -eq 0 ]
