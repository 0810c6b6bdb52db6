#!/usr/bin/env bash
# Coverage-guided fuzzing of every decoder of bytes from outside the process (issue 17), with Jazzer
# (com.code-intelligence:jazzer from Maven Central: libFuzzer driving JVM code it instruments for
# coverage). Each target is a class in tests/fuzz/src whose oracle is io.rhizome.fuzz.Contract: the
# decoder returns a value or throws its documented exception; anything else, an input that takes
# longer than --timeout seconds (60 by default: the first input of a target loads and instruments
# its classes, which took over 10 s at load 14 on the shared 2 cores), or an allocation beyond the
# input's size times a bound, is a failure. Each target starts from its committed seed corpus (tests/fuzz/corpus/NAME) and the inputs
# of defects already fixed (tests/fuzz/regressions/NAME); what it finds new goes to target/fuzz.
#
#   tests/fuzz/run.sh [--seconds-per-target N] [--target NAME]... [--timeout S] [--seed N]
#   tests/fuzz/run.sh --regress         every committed input once per target, no fuzzing
#   tests/fuzz/run.sh --write-seeds     rewrite tests/fuzz/corpus from the code's own encoders
#   tests/fuzz/run.sh --list
#
# Target `all` (the CI profile) drives every other target in one JVM: its first input byte picks the
# target, its corpus is theirs, prefixed so; it prints each target's executions. Without --target,
# every target but `all` runs, each in its own JVM, for --seconds-per-target.
#
# Prints one line per target: `fuzz NAME executions=N failures=F seconds=S`, and for a failure the
# exception and the file of the input (tests/fuzz/target/fuzz/findings/NAME/crash-*); exits 1 if
# any target failed. The bundles are built when a jar is missing or older than its sources;
# SKIP_BUILD=1 uses the bundle jars already in bundles/*/target as they are. --seed N is libFuzzer's
# -seed (the same seed, corpus and time give the same mutations, as far as the time bound allows);
# without it each run draws its own. Maven runs offline first and online when something is missing
# (on a fresh machine Jazzer comes from Maven Central once). Jazzer 0.24 runs on a JDK 17 to 24 (its
# ASM cannot read a JDK 25's own classes): JAVA_HOME if it is one, else the first in /usr/lib/jvm.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

targets=(
  "sync-message io.rhizome.core.internal.protocol.SyncMessageFuzz"
  "change-set io.rhizome.core.internal.engine.ChangeSetFuzz"
  "crdt-g-counter io.rhizome.crdt.internal.CrdtFuzz g-counter"
  "crdt-pn-counter io.rhizome.crdt.internal.CrdtFuzz pn-counter"
  "crdt-g-set io.rhizome.crdt.internal.CrdtFuzz g-set"
  "crdt-or-set io.rhizome.crdt.internal.CrdtFuzz or-set"
  "crdt-lww-register io.rhizome.crdt.internal.CrdtFuzz lww-register"
  "crdt-mv-register io.rhizome.crdt.internal.CrdtFuzz mv-register"
  "crdt-lww-map io.rhizome.crdt.internal.CrdtFuzz lww-map"
  "crdt-or-map io.rhizome.crdt.internal.CrdtFuzz or-map"
  "crdt-list io.rhizome.crdt.internal.CrdtFuzz list"
  "crdt-text io.rhizome.crdt.internal.CrdtFuzz text"
  "noise io.rhizome.transport.libp2p.internal.noise.NoiseFuzz"
  "yamux io.rhizome.transport.libp2p.internal.yamux.YamuxFuzz"
  "multistream io.rhizome.transport.libp2p.internal.multistream.MultistreamFuzz"
  "mdns io.rhizome.transport.libp2p.internal.mdns.DnsFuzz"
  "identify io.rhizome.transport.libp2p.internal.IdentifyFuzz"
  "pairing io.rhizome.pairing.internal.PairingFuzz"
  "keystore io.rhizome.crypto.bc.internal.keys.KeyStoreFuzz"
  "rest-body io.rhizome.rest.internal.RestBodyFuzz"
  "org-statement io.rhizome.policy.enterprise.internal.statement.OrgStatementFuzz"
  "cloud-file io.rhizome.transport.cloud.CloudFileFuzz"
  "backup-file io.rhizome.backup.internal.BackupFileFuzz"
  "import-lines io.rhizome.rest.internal.ImportLinesFuzz"
  "all io.rhizome.fuzz.AllFuzz"
)

seconds=30; timeout=60; mode=fuzz; only=(); seed=""
usage() { echo "usage: tests/fuzz/run.sh [--seconds-per-target N] [--target NAME]... [--timeout S] [--seed N] | --regress | --write-seeds | --list" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds-per-target) seconds="$2"; shift 2 ;;
    --target) only+=("$2"); shift 2 ;;
    --timeout) timeout="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --regress) mode=regress; shift ;;
    --write-seeds) mode=seeds; shift ;;
    --list) for t in "${targets[@]}"; do echo "${t%% *}"; done; exit 0 ;;
    *) usage ;;
  esac
done
[[ "$seconds" =~ ^[0-9]+$ ]] && [ "$seconds" -ge 1 ] || { echo "--seconds-per-target must be a whole number of seconds >= 1, not '$seconds'" >&2; exit 2; }
[[ "$timeout" =~ ^[0-9]+$ ]] && [ "$timeout" -ge 1 ] || { echo "--timeout must be a whole number of seconds >= 1, not '$timeout'" >&2; exit 2; }
[ -z "$seed" ] || { [[ "$seed" =~ ^[0-9]+$ ]] && [ "$seed" -ge 1 ] && [ "$seed" -le 4294967295 ]; } || { echo "--seed must be a whole number from 1 to 4294967295, not '$seed'" >&2; exit 2; }
for o in "${only[@]}"; do
  printf '%s\n' "${targets[@]}" | grep -q "^$o " || { echo "no fuzz target '$o' (tests/fuzz/run.sh --list)" >&2; exit 2; }
done

# Jazzer 0.24 instruments the JDK's own classes with its ASM, which reads class files up to Java 24:
# a JDK 17 to 24 runs it, a JDK 25 does not. JAVA_HOME first, then every JDK in /usr/lib/jvm.
feature() { sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" 2>/dev/null | head -n 1; }
jdk=""; seen_jdks=""
for dir in ${JAVA_HOME:+"$JAVA_HOME"} /usr/lib/jvm/*; do
  [ -x "$dir/bin/java" ] || continue
  f=$(feature "$dir"); seen_jdks="$seen_jdks $dir (${f:-unknown})"
  if [ -n "$f" ] && [ "$f" -ge 17 ] && [ "$f" -le 24 ]; then jdk="$dir"; break; fi
done
if [ -z "$jdk" ]; then
  echo "fuzzing needs a JDK 17 to 24 (Jazzer 0.24 cannot instrument a JDK 25's classes); found:${seen_jdks:- none}." >&2
  echo "Set JAVA_HOME to one, or install one: apt-get install openjdk-17-jdk-headless" >&2
  exit 3
fi
echo "fuzz: Jazzer on $jdk ($(feature "$jdk"))"

cd "$root"
v=0.1.0-SNAPSHOT
bundles=(api core crdt crypto.bc pairing rest transport.libp2p conformance policy.enterprise transport.cloud backup)
# Offline first (the usual case: everything is in ~/.m2), online when something is missing.
mvn_quiet() { ./mvnw -B -q -o "$@" >/dev/null 2>&1 || ./mvnw -B -q "$@"; }
if [ -z "${SKIP_BUILD:-}" ]; then
  missing=""
  for b in "${bundles[@]}"; do
    jar="bundles/io.rhizome.$b/target/io.rhizome.$b-$v.jar"
    if [ ! -f "$jar" ] || [ -n "$(find "bundles/io.rhizome.$b/src" -newer "$jar" -name '*.java' | head -n 1)" ]; then missing=1; fi
  done
  # Tycho resolves a bundle's imports through p2 from the reactor: build every bundle, as the tests do.
  if [ -n "$missing" ]; then mvn_quiet package -DskipTests -pl "$(ls -d bundles/io.rhizome.* | tr '\n' ',')"; fi
fi
for b in "${bundles[@]}"; do
  [ -f "bundles/io.rhizome.$b/target/io.rhizome.$b-$v.jar" ] || { echo "bundles/io.rhizome.$b/target/io.rhizome.$b-$v.jar is missing: build the bundles first (./mvnw -B verify, or run without SKIP_BUILD)" >&2; exit 3; }
done
# The targets are compiled again only when a source, the pom or a bundle jar is newer than the last build.
stamp="$here/target/classpath.txt"
if [ ! -f "$stamp" ] || [ -n "$(find "$here/src" "$here/pom.xml" -newer "$stamp" -type f | head -n 1)" ] \
    || [ -n "$(for b in "${bundles[@]}"; do find "bundles/io.rhizome.$b/target/io.rhizome.$b-$v.jar" -newer "$stamp"; done | head -n 1)" ]; then
  mvn_quiet -f "$here/pom.xml" package
  touch "$stamp"
fi
cp="$here/target/classes:$(cat "$here/target/classpath.txt")"
for b in "${bundles[@]}"; do cp="$cp:$root/bundles/io.rhizome.$b/target/io.rhizome.$b-$v.jar"; done
jazzer_jar=$(tr ':' '\n' < "$here/target/classpath.txt" | grep '/jazzer-[0-9].*\.jar$')

work="$here/target/fuzz"
mkdir -p "$work"
java_opts=(-Xmx512m -Xss1m -Dorg.slf4j.simpleLogger.defaultLogLevel=off -Drhizome.fuzz.work="$work")
failed=0; ran=0; total_exec=0; start_all=$(date +%s)
for t in "${targets[@]}"; do
  read -r name class type <<<"$t"
  if [ ${#only[@]} -gt 0 ] && ! printf '%s\n' "${only[@]}" | grep -qx "$name"; then continue; fi
  if [ ${#only[@]} -eq 0 ] && [ "$name" = all ]; then continue; fi
  props=(); [ -n "${type:-}" ] && props=(-Drhizome.fuzz.type="$type")
  if [ "$mode" = seeds ]; then
    [ "$name" = all ] && continue
    rm -rf "$here/corpus/$name"
    "$jdk/bin/java" "${java_opts[@]}" "${props[@]}" -cp "$cp" io.rhizome.fuzz.Seeds "$here/corpus/$name" "$class"
    continue
  fi
  corpus="$work/corpus/$name"; findings="$work/findings/$name"
  mkdir -p "$corpus" "$findings"
  inputs=("$corpus" "$here/corpus/$name")
  [ -d "$here/regressions/$name" ] && inputs+=("$here/regressions/$name")
  if [ "$name" = all ]; then
    # every target's seeds and regressions, behind the byte that picks the target
    rm -rf "$work/all-seeds"; mkdir -p "$work/all-seeds"; i=0
    for other in "${targets[@]}"; do
      n=${other%% *}; [ "$n" = all ] && continue
      for f in "$here/corpus/$n"/* "$here/regressions/$n"/*; do
        [ -f "$f" ] || continue
        { printf "\\x$(printf %02x "$i")"; cat "$f"; } > "$work/all-seeds/$n-$(basename "$f")"
      done
      i=$((i + 1))
    done
    inputs=("$corpus" "$work/all-seeds")
    rm -f "$work/all-executions.txt"
  fi
  if [ "$mode" = regress ]; then
    # only the committed inputs: an empty first folder (where libFuzzer would write) instead of the run's corpus
    rm -rf "$work/regress-empty"; mkdir -p "$work/regress-empty"; inputs=("$work/regress-empty" "${inputs[@]:1}")
    budget=(-runs=0)
  else
    budget=(-max_total_time="$seconds")
  fi
  [ -n "$seed" ] && budget+=(-seed="$seed")
  log="$work/$name.log"
  t0=$(date +%s.%N)
  set +e
  "$jdk/bin/java" "${java_opts[@]}" "${props[@]}" -cp "$cp" com.code_intelligence.jazzer.Jazzer \
    --target_class="$class" --instrumentation_includes='io.rhizome.**' --custom_hook_includes='io.rhizome.**' \
    --keep_going=100 --reproducer_path="$findings" -artifact_prefix="$findings/" \
    -timeout="$timeout" -rss_limit_mb=4096 -print_final_stats=1 "${budget[@]}" "${inputs[@]}" > "$log" 2>&1
  rc=$?
  set -e
  t1=$(date +%s.%N)
  execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
  [ -n "$execs" ] || execs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n 1)
  [ -n "$execs" ] || execs=0
  failures=$(grep -c -E '^== Java Exception|^==[0-9]+== ERROR: libFuzzer: timeout|ERROR: libFuzzer: out-of-memory|^== Java Assertion Error' "$log" || true)
  if [ "$rc" != 0 ] && [ "$failures" = 0 ]; then failures=1; fi
  secs=$(awk "BEGIN{printf \"%.1f\", $t1 - $t0}")
  echo "fuzz $name executions=$execs failures=$failures seconds=$secs"
  if [ "$name" = all ] && [ -f "$work/all-executions.txt" ]; then
    awk '{printf "    %s executions=%s\n", $1, $2}' "$work/all-executions.txt"
  fi
  if [ "$failures" != 0 ]; then
    failed=$((failed + 1))
    grep -E -A6 '^== Java Exception|ERROR: libFuzzer' "$log" | head -n 40 | sed 's/^/    /' || true
    ls "$findings"/crash-* "$findings"/timeout-* 2>/dev/null | head -n 5 | sed 's/^/    input: /' || true
    echo "    full log: $log"
  fi
  ran=$((ran + 1)); total_exec=$((total_exec + execs))
done
[ "$mode" = seeds ] && exit 0
echo "fuzz: $ran targets, $total_exec executions in $(( $(date +%s) - start_all )) s; $((ran - failed)) clean, $failed with failures"
[ "$failed" = 0 ]
