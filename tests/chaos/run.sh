#!/usr/bin/env bash
# Seeded fault harness over real daemons (issue 17). Starts N real daemons (`./rhizome daemon`), each
# in its own network namespace on one bridge (in a hub namespace: nothing touches the host's
# interfaces), pairs them into one mesh, then runs schedules: concurrent writes of every built-in
# CRDT type through the REST API while faults drawn from the same seed hit the mesh (partitions,
# packet loss, packet duplication, a throttled link, kill -9 + restart, SIGSTOP/SIGCONT, clock skew,
# a full disk); after healing, every node's export must reflect every acknowledged write exactly once
# and all exports must be equal; every daemon's RSS and open FDs are sampled and must stay bounded.
#
#   tests/chaos/run.sh [--nodes 5] [--schedules 200] [--seed S] [--writes 40] [--converge 180] [--minutes M]
#   tests/chaos/run.sh --nodes N --replay SEED      rerun exactly the schedule of seed SEED
#   tests/chaos/run.sh --nodes 4 --soak 30          schedules for 30 minutes, n0 never restarted; RSS,
#                                                   heap after GC and FDs sampled every 30 s and bounded
#
# Each node's data/ is a tmpfs of its own (CHAOS_DISK_MB, 96), so the full-disk fault fills only it.
# Prints `schedules=N acknowledged=W lost=0 duplicated=0 diverged=0 seed=S`; a failing schedule
# prints its seed, its fault sequence and what differs, and the run stops there (exit 1; the homes and
# logs are kept). Needs root (ip netns, nft). SKIP_BUILD=1 uses the node as built.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
nodes=5; args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --nodes) nodes="$2"; shift 2 ;;
    --schedules|--seed|--replay|--writes|--converge|--minutes|--soak|--sample-seconds)
      [[ "${2:-}" =~ ^[0-9]+$ ]] || { echo "$1 takes a whole number, not '${2:-}'" >&2; exit 2; }
      args+=("$1" "$2"); shift 2 ;;
    *) echo "usage: tests/chaos/run.sh [--nodes 2..9] [--schedules N] [--seed S] [--replay SEED] [--writes N] [--converge SECONDS] [--minutes M] [--soak MINUTES] [--sample-seconds S]" >&2; exit 2 ;;
  esac
done
disk_mb="${CHAOS_DISK_MB:-96}"
[[ "$disk_mb" =~ ^[0-9]+$ ]] && [ "$disk_mb" -ge 16 ] || { echo "CHAOS_DISK_MB must be a whole number of at least 16, not '$disk_mb'" >&2; exit 2; }
[[ "$nodes" =~ ^[0-9]+$ ]] && [ "$nodes" -ge 2 ] && [ "$nodes" -le 9 ] || { echo "--nodes must be 2 to 9, not '$nodes'" >&2; exit 2; }
for tool in ip nft tc mount flock; do command -v "$tool" >/dev/null || { echo "$tool is not installed" >&2; exit 3; }; done
PATH="$("$root/releng/best-jdk.sh" javac)/bin:$PATH"
if [ -z "${SKIP_BUILD:-}" ] && ! compgen -G "$root/releng/io.rhizome.product/target/products/io.rhizome.node/linux/gtk/x86_64/plugins/org.eclipse.equinox.launcher_*.jar" >/dev/null; then
  (cd "$root" && ./mvnw -B -q verify -DskipTests)
fi

tag="$$"
hub="rzchaos-$tag-hub"
work=$(mktemp -d "/tmp/rhizome-chaos-$tag-XXXX")
pids="$work/pids"; : > "$pids"
keep=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  set +e   # every step of the cleanup runs, whatever failed before it
  [ -n "${driver:-}" ] && kill "$driver" 2>/dev/null
  # jcmd's attach socket of a daemon killed with -9 stays behind: remove those of our daemons only
  while read -r p; do [ -n "$p" ] && { kill -9 "$p" 2>/dev/null; rm -f "/tmp/.java_pid$p"; }; done < "$pids" || true
  wait 2>/dev/null || true
  for i in $(seq 0 $((nodes - 1))); do
    ip netns del "rzchaos-$tag-$i" 2>/dev/null || true
    if mountpoint -q "$work/n$i/data"; then
      { [ "$rc" = 0 ] && [ -z "$keep" ]; } || cp -a "$work/n$i/data" "$work/n$i/data-kept"
      umount "$work/n$i/data"
    fi
  done
  ip netns del "$hub" 2>/dev/null || true
  if [ "$rc" = 0 ] && [ -z "$keep" ]; then rm -rf "$work"; else echo "homes and daemon logs kept in $work (each data/ was a tmpfs: copied to data-kept/)"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$hub" || { echo "cannot create network namespaces (run as root)" >&2; exit 3; }
ip -n "$hub" link add br0 type bridge
ip -n "$hub" address add 10.77.0.254/24 dev br0
ip -n "$hub" link set br0 up; ip -n "$hub" link set lo up
for i in $(seq 0 $((nodes - 1))); do
  ns="rzchaos-$tag-$i"
  ip netns add "$ns"
  ip link add "rc${tag}v$i" type veth peer name "rc${tag}p$i"
  ip link set "rc${tag}v$i" netns "$ns"; ip link set "rc${tag}p$i" netns "$hub"
  ip -n "$hub" link set "rc${tag}p$i" master br0; ip -n "$hub" link set "rc${tag}p$i" up
  ip -n "$ns" address add "10.77.0.$((i + 1))/24" dev "rc${tag}v$i"
  ip -n "$ns" link set "rc${tag}v$i" up; ip -n "$ns" link set lo up
  # The REST API listens on 127.0.0.1 only; the driver (in the hub) reaches it through a DNAT.
  ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.route_localnet=1 "net.ipv4.conf.rc${tag}v$i.route_localnet=1"
  ip netns exec "$ns" nft -f - <<NFT
table ip rzapi {
  chain pre { type nat hook prerouting priority -100; ip saddr 10.77.0.254 tcp dport 18733 dnat to 127.0.0.1:18733; }
}
table inet chaos {
  chain in { type filter hook input priority 0; }
  chain out { type filter hook output priority 0; }
}
NFT
  # the node's store on a small file system of its own, which the full-disk fault fills
  mkdir -p "$work/n$i/data"
  mount -t tmpfs -o "size=${disk_mb}m" "rzchaos-$tag-$i" "$work/n$i/data"
done

mkdir -p "$work/classes"
javac -d "$work/classes" -cp "$root/releng/io.rhizome.cli/target/lib/*" "$here"/src/io/rhizome/chaos/*.java
java -cp "$work/classes:$root/releng/io.rhizome.cli/target/lib/*" io.rhizome.chaos.SelfTest
ip netns exec "$hub" java -cp "$work/classes:$root/releng/io.rhizome.cli/target/lib/*" io.rhizome.chaos.Chaos \
  --nodes "$nodes" --ns-prefix "rzchaos-$tag-" --ip-prefix 10.77.0. --dev-prefix "rc${tag}" --work "$work" --root "$root" --pids "$pids" "${args[@]}" &
driver=$!
wait "$driver"
