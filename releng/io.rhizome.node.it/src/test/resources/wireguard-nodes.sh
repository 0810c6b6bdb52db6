#!/usr/bin/env bash
# Two daemons, each in its own network namespace, joined by a veth pair (nothing touches the
# host's interfaces). They pair over libp2p on the veth, then restart with libp2p confined to each
# namespace's own loopback and WireGuard on: writes cross through the tunnel only; the tunnel is
# cut (ip link set down) during a backlog of counter increments and restored: the counter arrives
# exactly (nothing lost, nothing applied twice); B is revoked: its WireGuard peer is removed from
# A's interface and its packets no longer reach A's listener. Prints WIREGUARD-NODES-OK at the end; any failure
# exits non-zero with the reason and the daemons' logs. Needs root, wireguard-go and wg.
set -euo pipefail
ROOT="$1"; WORK="$2"; TAG="$3"
R="$ROOT/rhizome"
NA="rzit-$TAG-a"; NB="rzit-$TAG-b"; VA="rzi${TAG}a"; VB="rzi${TAG}b"; WA="rzw${TAG}a"; WB="rzw${TAG}b"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  ip -n "$NA" link del "$WA" 2>/dev/null || true; ip -n "$NB" link del "$WB" 2>/dev/null || true
  rm -f "/var/run/wireguard/$WA.sock" "/var/run/wireguard/$WB.sock"
  ip netns del "$NA" 2>/dev/null || true; ip netns del "$NB" 2>/dev/null || true
}
trap cleanup EXIT
fail() { echo "FAILED: $*"; for h in a b; do echo "--- daemon $h ---"; tail -n 80 "$WORK/$h.out" || true; done; exit 1; }
for tool in ip wg wireguard-go; do command -v "$tool" >/dev/null || { echo "NETNS-SETUP-FAILED: $tool is not installed"; exit 3; }; done
ip netns add "$NA" && ip netns add "$NB" || { echo "NETNS-SETUP-FAILED: cannot create network namespaces (run as root)"; exit 3; }
ip link add "$VA" type veth peer name "$VB"
ip link set "$VA" netns "$NA"; ip link set "$VB" netns "$NB"
ip -n "$NA" address add 10.77.0.1/24 dev "$VA"; ip -n "$NB" address add 10.77.0.2/24 dev "$VB"
for x in "$NA $VA" "$NB $VB" "$NA lo" "$NB lo"; do set -- $x; ip -n "$1" link set "$2" up; done
ns_of() { [ "$1" = a ] && echo "$NA" || echo "$NB"; }
rz() { local h="$1"; shift; ip netns exec "$(ns_of "$h")" "$R" "$@" --home "$WORK/$h"; }
start() {
  local h="$1"
  rm -f "$WORK/$h/api.json"
  ip netns exec "$(ns_of "$h")" "$R" daemon --home "$WORK/$h" >> "$WORK/$h.out" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 900); do [ -f "$WORK/$h/api.json" ] && return 0; sleep 0.1; done
  fail "daemon $h did not start within 90 s"
}
stop_all() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; pids=(); }
await_get() { # home ns key expected seconds
  local v end=$((SECONDS + $5))
  while [ "$SECONDS" -lt "$end" ]; do
    v=$(rz "$1" get "$2" "$3" 2>/dev/null || true)
    [ "$v" = "$4" ] && return 0
    sleep 0.2
  done
  fail "$2/$3 on $1 is '${v:-}' after $5 s, expected '$4'"
}

# 1. pair over libp2p on the veth
mkdir -p "$WORK/a" "$WORK/b"
printf 'api.port=0\np2p.listen=/ip4/10.77.0.1/tcp/0\np2p.mdns=false\n' > "$WORK/a/rhizome.properties"
printf 'api.port=0\np2p.listen=/ip4/10.77.0.2/tcp/0\np2p.mdns=false\n' > "$WORK/b/rhizome.properties"
start a; start b
addr_a=$(rz a status --json | sed -n 's/.*"listenAddresses" *: *\[ *"\([^"]*\)".*/\1/p' | head -n 1)
[ -n "$addr_a" ] || fail "no libp2p listen address of A in its status"
inv=$(rz a pair --no-wait --json) || fail "pair failed: $inv"
code=$(printf '%s' "$inv" | sed -n 's/.*"code" *: *"\(RZ-[0-9A-Z-]*\)".*/\1/p')
rz b join "$code" --addr "$addr_a" --timeout 30 || fail "join over libp2p failed"
rz a put notes paired '"over libp2p"' || fail "put on A failed"
await_get b notes paired '"over libp2p"' 30
dev_a=$(rz a identity --json | sed -n 's/.*"deviceId" *: *"\([^"]*\)".*/\1/p')
dev_b=$(rz b identity --json | sed -n 's/.*"deviceId" *: *"\([^"]*\)".*/\1/p')
[ -n "$dev_a" ] && [ -n "$dev_b" ] || fail "no device ids"
echo "paired $dev_a and $dev_b over libp2p"

# 2. restart with libp2p confined to each namespace's loopback, WireGuard on
stop_all
wg genkey > "$WORK/a/wireguard.key"; wg genkey > "$WORK/b/wireguard.key"
pub_a=$(wg pubkey < "$WORK/a/wireguard.key"); pub_b=$(wg pubkey < "$WORK/b/wireguard.key")
printf 'api.port=0\np2p.listen=/ip4/127.0.0.1/tcp/0\np2p.mdns=false\nwg.enabled=true\nwg.interface=%s\nwg.meshId=it-%s\nwg.peers=%s:%s@10.77.0.2:51820\n' \
  "$WA" "$TAG" "$dev_b" "$pub_b" > "$WORK/a/rhizome.properties"
printf 'api.port=0\np2p.listen=/ip4/127.0.0.1/tcp/0\np2p.mdns=false\nwg.enabled=true\nwg.interface=%s\nwg.meshId=it-%s\nwg.peers=%s:%s@10.77.0.1:51820\n' \
  "$WB" "$TAG" "$dev_a" "$pub_a" > "$WORK/b/rhizome.properties"
start a; start b
for h in a b; do
  [ -e "$WORK/$h/wireguard.key" ] && fail "the plaintext key file of $h is still there after the start"
done
[ "$(rz a wg show | sed -n 's/^  public key: //p')" = "$pub_a" ] || fail "A's WireGuard key is not the one of its old key file: $(rz a wg show)"
echo "the plaintext key file was taken over by the key service"
rz a put notes tunnel '"through WireGuard"' || fail "put on A failed"
await_get b notes tunnel '"through WireGuard"' 60
peers_b=$(rz b peers --json)
printf '%s' "$peers_b" | grep -q '"transport" *: *"wireguard"' || fail "B's peer link is not over wireguard: $peers_b"
show_a=$(rz a wg show)
printf '%s\n' "$show_a"
printf '%s' "$show_a" | grep -q "latest handshake: [0-9]* s ago" || fail "wg show on A shows no handshake: $show_a"
printf '%s' "$show_a" | grep -q "endpoint: 10.77.0.2:51820" || fail "wg show on A shows no endpoint of B: $show_a"
echo "synced through the tunnel"

# 3. the tunnel cut during a backlog, then restored: the counter arrives exactly
rz a ns create counters pn-counter || fail "ns create failed"
rz a mutate counters c '{"op":"increment","by":1}' || fail "first increment failed"
await_get b counters c '1' 60
ip -n "$NA" link set "$WA" down
for i in $(seq 1 40); do rz a mutate counters c '{"op":"increment","by":1}' > /dev/null || fail "increment $i failed"; done
v=$(rz b get counters c)
[ "$v" = "1" ] || fail "with the tunnel down B still got increments: $v"
ip -n "$NA" link set "$WA" up
await_get b counters c '41' 90
echo "backlog crossed after the tunnel came back"

# 4. B revoked: A removes B's WireGuard peer, and B's packets no longer reach A's sync listener
tunnel_a=$(rz a wg show | sed -n 's/^  address: //p' | head -n 1)
[ -n "$tunnel_a" ] || fail "wg show on A names no tunnel address"
reach() { ip netns exec "$NB" timeout 5 bash -c "exec 3<>/dev/tcp/$tunnel_a/7300" 2>/dev/null; }
reach || fail "before the revocation B cannot open a TCP connection to A's sync listener [$tunnel_a]:7300"
rz a peers revoke "$dev_b" || fail "revoking B on A failed"
end=$((SECONDS + 30))
while [ "$SECONDS" -lt "$end" ]; do
  ip netns exec "$NA" wg show "$WA" peers | grep -qF "$pub_b" || break
  sleep 0.2
done
ip netns exec "$NA" wg show "$WA" peers | grep -qF "$pub_b" && fail "30 s after the revocation B's key is still a peer of $WA"
rz a wg show | grep -qF "$pub_b" && fail "wg show on A still lists B's key after the revocation"
reach && fail "after the revocation B still reaches A's sync listener through the tunnel"
echo "revoked: B's peer removed from A's interface, its packets no longer reach the listener"
echo "WIREGUARD-NODES-OK"
