#!/bin/sh
# Prints the home of the newest installed JDK whose feature version is 17 or more, and exits 0;
# prints a sentence to stderr and exits 1 if there is none. Used by ./rhizome (node and CLI) and
# ./mvnw (build and tests): the bytecode stays Java 17, but JDK 21+ runs ChaCha20-Poly1305, AES-GCM
# and the JIT noticeably faster, so the newest JDK present is the one to run on.
#
#   releng/best-jdk.sh [java|javac]   the tool the JDK must have (default java; the build needs javac)
#
# RHIZOME_JAVA_HOME, when set, is the only candidate (to pin a JDK, e.g. 17 for a compatibility run).
# Otherwise the candidates are JAVA_HOME, the java on the PATH, and the JDKs in the usual folders;
# among those of the newest feature version, the first listed wins. The version is read from the
# JDK's `release` file, so choosing costs no JVM start; a JDK without one is asked (`java -version`).
# POSIX sh: mvnw runs under /bin/sh.

tool="${1:-java}"
case "$tool" in java|javac) ;; *) echo "best-jdk.sh: the tool must be java or javac, not '$tool'" >&2; exit 2 ;; esac

# The feature version (17, 21, 25...) of JDK home $1 into $v, or nothing. The release file is read
# by the shell itself (no sed, no subshell): every CLI call runs this script, and each process it
# started cost about 1 ms (≈ 20 ms a call before).
feature() {
  v=""
  if [ -r "$1/release" ]; then
    while IFS= read -r line || [ -n "$line" ]; do
      case "$line" in
        JAVA_VERSION=\"*) v=${line#JAVA_VERSION=\"}; v=${v%%\"*}; break ;;
      esac
    done < "$1/release"
  fi
  if [ -z "$v" ] && [ -x "$1/bin/java" ]; then
    v=$("$1/bin/java" -version 2>&1 | sed -n 's/.* version "\([^"]*\)".*/\1/p' | head -n 1)
  fi
  case "$v" in
    1.*) v=${v#1.} ;;   # 1.8.0_392 is Java 8
  esac
  v=${v%%[!0-9]*}
}

best=""
best_version=0
consider() {
  [ -n "$1" ] && [ -x "$1/bin/$tool" ] || return 0
  feature "$1"
  [ -n "$v" ] || return 0
  if [ "$v" -ge 17 ] && [ "$v" -gt "$best_version" ]; then
    best="$1"
    best_version="$v"
  fi
}

if [ -n "${RHIZOME_JAVA_HOME-}" ]; then
  consider "$RHIZOME_JAVA_HOME"
  if [ -z "$best" ]; then
    echo "RHIZOME_JAVA_HOME=$RHIZOME_JAVA_HOME is not a JDK 17 or newer with bin/$tool" >&2
    exit 1
  fi
  echo "$best"
  exit 0
fi

consider "${JAVA_HOME-}"
path_java=$(command -v "$tool" 2>/dev/null || true)
if [ -n "$path_java" ]; then
  resolved=$(readlink -f "$path_java" 2>/dev/null || echo "$path_java")
  resolved=${resolved%/*}   # .../bin
  consider "${resolved%/*}"
fi
for dir in /usr/lib/jvm/* /usr/java/* /opt/java/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
  [ -d "$dir" ] && consider "$dir"
done

if [ -z "$best" ]; then
  echo "no JDK 17 or newer with bin/$tool found (looked at JAVA_HOME, the PATH and /usr/lib/jvm); install one, or set RHIZOME_JAVA_HOME" >&2
  exit 1
fi
echo "$best"
