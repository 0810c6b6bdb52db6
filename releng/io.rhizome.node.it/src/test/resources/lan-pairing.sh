#!/usr/bin/env bash
# Runs inside a fresh network namespace (unshare -rn) with only loopback: two daemons with mDNS on,
# `rhizome pair` on A, `rhizome join CODE` on B WITHOUT an address (found on the "LAN" by the code's
# rendezvous key), then a write on A read on B; then A restarts on another port and the two find
# each other again by mDNS (B's stored address is stale). Prints LAN-PAIRING-OK at the end; any
# failure exits non-zero with the reason and the daemons' logs.
set -euo pipefail
ROOT="$1"; WORK="$2"
ip link set lo up && ip link set lo multicast on && ip route add 224.0.0.0/4 dev lo \
  || { echo "NETNS-SETUP-FAILED: cannot configure loopback multicast in the namespace"; exit 3; }
R="$ROOT/rhizome"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
fail() { echo "FAILED: $*"; for h in a b; do echo "--- daemon $h ---"; tail -n 60 "$WORK/$h.out" || true; done; exit 1; }
for h in a b; do
  mkdir -p "$WORK/$h"
  printf 'api.port=0\np2p.listen=/ip4/127.0.0.1/tcp/0\np2p.mdns=true\n' > "$WORK/$h/rhizome.properties"
  "$R" daemon --home "$WORK/$h" > "$WORK/$h.out" 2>&1 &
  pids+=($!)
done
for h in a b; do
  for _ in $(seq 1 900); do [ -f "$WORK/$h/api.json" ] && break; sleep 0.1; done
  [ -f "$WORK/$h/api.json" ] || fail "daemon $h did not start within 90 s"
done
inv=$("$R" pair --no-wait --json --home "$WORK/a") || fail "pair failed: $inv"
code=$(printf '%s' "$inv" | sed -n 's/.*"code":"\(RZ-[0-9A-Z-]*\)".*/\1/p')
[ -n "$code" ] || fail "no code in: $inv"
echo "invitation $code"
"$R" join "$code" --timeout 30 --home "$WORK/b" || fail "join without an address failed"
"$R" put notes lan '"found on the LAN"' --home "$WORK/a" || fail "put on A failed"
for _ in $(seq 1 300); do
  v=$("$R" get notes lan --home "$WORK/b" 2>/dev/null || true)
  [ "$v" = '"found on the LAN"' ] && { echo "paired and synced"; break; }
  sleep 0.1
done
[ "$v" = '"found on the LAN"' ] || fail "the write on A did not reach B within 30 s"

# A comes back on another port: B's stored address is stale, so only mDNS discovery of a trusted
# device can bring the two together again.
kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true
printf 'api.port=0\np2p.listen=/ip4/127.0.0.1/tcp/47123\np2p.mdns=true\n' > "$WORK/a/rhizome.properties"
rm -f "$WORK/a/api.json"
"$R" daemon --home "$WORK/a" >> "$WORK/a.out" 2>&1 &
pids[0]=$!
for _ in $(seq 1 900); do [ -f "$WORK/a/api.json" ] && break; sleep 0.1; done
[ -f "$WORK/a/api.json" ] || fail "daemon a did not restart within 90 s"
"$R" put notes lan2 '"after a move"' --home "$WORK/a" || fail "put on restarted A failed"
end=$((SECONDS + 60))
while [ "$SECONDS" -lt "$end" ]; do
  v=$("$R" get notes lan2 --home "$WORK/b" 2>/dev/null || true)
  [ "$v" = '"after a move"' ] && { echo "LAN-PAIRING-OK"; exit 0; }
  sleep 0.1
done
fail "after A moved to another port, B did not find it by mDNS within 60 s"
