#!/usr/bin/env bash
# Three daemons, each in its own network namespace, on one bridge (in a fourth namespace; nothing
# touches the host's interfaces), WireGuard on from the first start and no wg.peers anywhere:
#   1. B and C pair with A over libp2p; pairing carries each device's WireGuard key and endpoints,
#      so every node configures the other two as WireGuard peers by itself (B and C learn each
#      other through A's mesh update).
#   2. restarted with libp2p confined to each namespace's loopback: every pair syncs through the
#      tunnel (each node's writes reach both others, their links report wireguard).
#   3. B down, A and C write, B back: it gets everything; its own write reaches A and C.
#   4. hot swap: the WireGuard bundle is stopped in A's running framework (Gogo console) while A
#      writes counter increments: they wait, nothing reaches the others, A's interface is gone;
#      the bundle is started again: the counter arrives exactly on B and C.
#   5. A revokes C: A removes C's WireGuard peer, B learns it through a mesh update inside the
#      tunnel and removes it too, C's packets no longer reach A's or B's sync listener, and A's and
#      B's writes no longer reach C.
# Prints WIREGUARD-MESH-OK at the end; any failure exits non-zero with the reason and the daemons'
# logs. Needs root, wireguard-go and wg.
set -euo pipefail
ROOT="$1"; WORK="$2"; TAG="$3"
R="$ROOT/rhizome"
NH="rzm-$TAG-h"
declare -A NS=([a]="rzm-$TAG-a" [b]="rzm-$TAG-b" [c]="rzm-$TAG-c")
declare -A IP=([a]=10.78.0.1 [b]=10.78.0.2 [c]=10.78.0.3)
declare -A WGI=([a]="rzm${TAG}a" [b]="rzm${TAG}b" [c]="rzm${TAG}c")
declare -A PID=()
cleanup() {
  for p in "${PID[@]}"; do kill "$p" 2>/dev/null || true; done
  exec 7>&- 2>/dev/null || true
  wait 2>/dev/null || true
  for h in a b c; do
    ip -n "${NS[$h]}" link del "${WGI[$h]}" 2>/dev/null || true
    rm -f "/var/run/wireguard/${WGI[$h]}.sock"
    ip netns del "${NS[$h]}" 2>/dev/null || true
  done
  ip netns del "$NH" 2>/dev/null || true
}
trap cleanup EXIT
fail() { echo "FAILED: $*"; for h in a b c; do echo "--- daemon $h ---"; tail -n 60 "$WORK/$h.out" || true; done; exit 1; }
for tool in ip wg wireguard-go; do command -v "$tool" >/dev/null || { echo "NETNS-SETUP-FAILED: $tool is not installed"; exit 3; }; done
ip netns add "$NH" || { echo "NETNS-SETUP-FAILED: cannot create network namespaces (run as root)"; exit 3; }
ip -n "$NH" link add br0 type bridge; ip -n "$NH" link set br0 up
for h in a b c; do
  ip netns add "${NS[$h]}"
  ip link add "rzm${TAG}v$h" type veth peer name "rzm${TAG}p$h"
  ip link set "rzm${TAG}v$h" netns "${NS[$h]}"; ip link set "rzm${TAG}p$h" netns "$NH"
  ip -n "$NH" link set "rzm${TAG}p$h" master br0; ip -n "$NH" link set "rzm${TAG}p$h" up
  ip -n "${NS[$h]}" address add "${IP[$h]}/24" dev "rzm${TAG}v$h"
  ip -n "${NS[$h]}" link set "rzm${TAG}v$h" up; ip -n "${NS[$h]}" link set lo up
done
rz() { local h="$1"; shift; ip netns exec "${NS[$h]}" "$R" "$@" --home "$WORK/$h"; }
config() { # home libp2p-listen-ip
  printf 'api.port=0\np2p.listen=/ip4/%s/tcp/0\np2p.mdns=false\nwg.enabled=true\nwg.interface=%s\nwg.meshId=mesh-it-%s\n' \
    "$2" "${WGI[$1]}" "$TAG" > "$WORK/$1/rhizome.properties"
}
await_api() { for _ in $(seq 1 900); do [ -f "$WORK/$1/api.json" ] && return 0; sleep 0.1; done; fail "daemon $1 did not start within 90 s"; }
start() {
  rm -f "$WORK/$1/api.json"
  ip netns exec "${NS[$1]}" "$R" daemon --home "$WORK/$1" >> "$WORK/$1.out" 2>&1 &
  PID[$1]=$!
  await_api "$1"
}
start_console() { # A with the Gogo console on a FIFO the script writes to
  rm -f "$WORK/$1/api.json" "$WORK/console"; mkfifo "$WORK/console"
  ip netns exec "${NS[$1]}" "$R" daemon --console --home "$WORK/$1" < "$WORK/console" >> "$WORK/$1.out" 2>&1 &
  PID[$1]=$!
  exec 7> "$WORK/console"
  await_api "$1"
}
stop() { kill "${PID[$1]}" 2>/dev/null || true; wait "${PID[$1]}" 2>/dev/null || true; unset "PID[$1]"; }
await_get() { # home ns key expected seconds
  local v end=$((SECONDS + $5))
  while [ "$SECONDS" -lt "$end" ]; do
    v=$(rz "$1" get "$2" "$3" 2>/dev/null || true)
    [ "$v" = "$4" ] && return 0
    sleep 0.2
  done
  fail "$2/$3 on $1 is '${v:-}' after $5 s, expected '$4'"
}
wg_peers() { ip netns exec "${NS[$1]}" wg show "${WGI[$1]}" peers 2>/dev/null || true; }
pub() { rz "$1" wg show | sed -n 's/^  public key: //p' | head -n 1; }
dev() { rz "$1" identity --json | sed -n 's/.*"deviceId" *: *"\([^"]*\)".*/\1/p'; }
tunnel_addr() { rz "$1" wg show | sed -n 's/^  address: //p' | head -n 1; }
await_peer_count() { # home count seconds
  local end=$((SECONDS + $3))
  while [ "$SECONDS" -lt "$end" ]; do
    [ "$(wg_peers "$1" | grep -c .)" = "$2" ] && return 0
    sleep 0.5
  done
  fail "${WGI[$1]} on $1 has $(wg_peers "$1" | grep -c .) WireGuard peers after $3 s, expected $2: $(rz "$1" wg show)"
}

# 1. pair over libp2p on the bridge, WireGuard on, no wg.peers
for h in a b c; do mkdir -p "$WORK/$h"; config "$h" "${IP[$h]}"; done
start a; start b; start c
for h in a b c; do grep -q '^wg.peers' "$WORK/$h/rhizome.properties" && fail "wg.peers is configured on $h"; done
addr_a=$(rz a status --json | grep -o '"/ip4/10\.78\.0\.1/tcp/[^"]*"' | head -n 1 | tr -d '"')
[ -n "$addr_a" ] || fail "no libp2p listen address of A in its status"
for h in b c; do
  inv=$(rz a pair --no-wait --json) || fail "pair failed: $inv"
  code=$(printf '%s' "$inv" | sed -n 's/.*"code" *: *"\(RZ-[0-9A-Z-]*\)".*/\1/p')
  rz "$h" join "$code" --addr "$addr_a" --timeout 30 || fail "join of $h over libp2p failed"
done
for h in a b c; do await_peer_count "$h" 2 60; done
declare -A PUB=() DEV=()
for h in a b c; do PUB[$h]=$(pub "$h"); DEV[$h]=$(dev "$h"); [ -n "${PUB[$h]}" ] && [ -n "${DEV[$h]}" ] || fail "no key or id of $h"; done
for h in a b c; do for o in a b c; do
  [ "$h" = "$o" ] && continue
  wg_peers "$h" | grep -qxF "${PUB[$o]}" || fail "$h's interface does not have $o's key ${PUB[$o]} as a peer"
done; done
rz b wg show | grep -q "from: paired" || fail "B's peers are not marked as learnt through pairing: $(rz b wg show)"
[ -e "$WORK/a/wireguard.key" ] && fail "a plaintext WireGuard key file was written on A"
echo "paired: every node has the other two as WireGuard peers from pairing alone"

# 2. libp2p confined to each namespace's loopback: every pair syncs through the tunnel
stop a; stop b; stop c
for h in a b c; do config "$h" 127.0.0.1; done
start_console a; start b; start c
for h in a b c; do
  [ "$(pub "$h")" = "${PUB[$h]}" ] || fail "$h's WireGuard key changed across a restart: $(pub "$h") vs ${PUB[$h]}"
done
for h in a b c; do
  rz "$h" put notes "from-$h" "\"through the tunnel from $h\"" || fail "put on $h failed"
done
for h in a b c; do for o in a b c; do
  [ "$h" = "$o" ] && continue
  await_get "$o" notes "from-$h" "\"through the tunnel from $h\"" 90
done; done
for h in a b c; do
  n=$(rz "$h" peers --json | grep -o '"transport" *: *"wireguard"' | wc -l)
  [ "$n" -ge 2 ] || fail "$h has $n links over wireguard, expected 2: $(rz "$h" peers --json)"
done
echo "every pair synced through the tunnel"

# 3. B down and back
stop b
rz a put notes while-b-down '"from A"' || fail "put on A failed"
rz c put notes while-b-down-c '"from C"' || fail "put on C failed"
await_get c notes while-b-down '"from A"' 60
start b
await_get b notes while-b-down '"from A"' 90
await_get b notes while-b-down-c '"from C"' 90
rz b put notes b-is-back '"yes"' || fail "put on B failed"
await_get a notes b-is-back '"yes"' 60
await_get c notes b-is-back '"yes"' 60
echo "B was down and came back: it got what it missed, its write reached both"

# 4. hot swap: stop and start the WireGuard bundle in A's running framework with writes queued
rz a ns create counters pn-counter || fail "ns create failed"
rz a mutate counters c '{"op":"increment","by":1}' || fail "first increment failed"
await_get b counters c '1' 60
await_get c counters c '1' 60
echo "lb -s io.rhizome.transport.wireguard" >&7
bid=""
for _ in $(seq 1 100); do
  bid=$(sed -n 's/^ *\([0-9][0-9]*\)|.*|io\.rhizome\.transport\.wireguard .*/\1/p' "$WORK/a.out" | tail -n 1)
  [ -n "$bid" ] && break; sleep 0.1
done
[ -n "$bid" ] || fail "the Gogo console of A did not list the WireGuard bundle"
echo "stop $bid" >&7
end=$((SECONDS + 30))
while [ "$SECONDS" -lt "$end" ] && ip -n "${NS[a]}" link show "${WGI[a]}" >/dev/null 2>&1; do sleep 0.2; done
ip -n "${NS[a]}" link show "${WGI[a]}" >/dev/null 2>&1 && fail "A's WireGuard interface is still there 30 s after stopping the bundle"
for i in $(seq 1 20); do rz a mutate counters c '{"op":"increment","by":1}' > /dev/null || fail "increment $i with the bundle stopped failed"; done
[ "$(rz b get counters c)" = "1" ] || fail "with A's WireGuard bundle stopped B still got increments: $(rz b get counters c)"
rz a wg show | grep -q "WireGuard is not running in this node" || fail "wg show on A with the bundle stopped: $(rz a wg show)"
echo "start $bid" >&7
await_get b counters c '21' 90
await_get c counters c '21' 90
echo "bundle stopped with 20 writes queued and started again: the counter arrived exactly"

# 5. C revoked on A: its peer leaves A's and B's interfaces, its packets reach no listener
tunnel_a=$(tunnel_addr a); tunnel_b=$(tunnel_addr b)
reach() { ip netns exec "${NS[c]}" timeout 5 bash -c "exec 3<>/dev/tcp/$1/7300" 2>/dev/null; }
reach "$tunnel_a" || fail "before the revocation C cannot reach A's sync listener [$tunnel_a]:7300"
reach "$tunnel_b" || fail "before the revocation C cannot reach B's sync listener [$tunnel_b]:7300"
rz a peers revoke "${DEV[c]}" || fail "revoking C on A failed"
for h in a b; do
  end=$((SECONDS + 60))
  while [ "$SECONDS" -lt "$end" ] && wg_peers "$h" | grep -qxF "${PUB[c]}"; do sleep 0.2; done
  wg_peers "$h" | grep -qxF "${PUB[c]}" && fail "60 s after the revocation C's key is still a peer of $h"
  rz "$h" wg show | grep -q "revoked, peer removed: ${DEV[c]}" || fail "wg show on $h does not name C as revoked: $(rz "$h" wg show)"
done
wg_peers a | grep -qxF "${PUB[b]}" || fail "A lost B as a peer"
reach "$tunnel_a" && fail "after the revocation C still reaches A's sync listener"
reach "$tunnel_b" && fail "after the revocation C still reaches B's sync listener"
rz a put notes after-revocation '"not for C"' || fail "put on A failed"
await_get b notes after-revocation '"not for C"' 60
[ "$(rz c get notes after-revocation 2>/dev/null || true)" = '"not for C"' ] && fail "C got a write made after its revocation"
echo "revoked: C's peer removed from A and B, its packets reach neither listener"
echo "WIREGUARD-MESH-OK"
