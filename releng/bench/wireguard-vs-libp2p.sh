#!/usr/bin/env bash
# Write-to-peer latency and sync throughput between two paired daemons, through the WireGuard
# tunnel (each daemon in its own network namespace, joined by a veth pair) and over libp2p on
# loopback (both daemons in one more namespace), in the same run. Latency: a PUT on A, then GETs on
# B until the value is there (curl against the REST APIs; ~5 ms resolution). Throughput: one import
# of N entities on A, timed until the last one reads back on B. As root; build first
# (./mvnw -B -DskipTests package). Not a test: prints the numbers.
#   releng/bench/wireguard-vs-libp2p.sh [ROUNDS] [N]     (default 20 rounds, N=2000)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ROUNDS=${1:-20}; N=${2:-2000}
R="$ROOT/rhizome"; WORK=$(mktemp -d); T=$$
NA="rzb-$T-a"; NB="rzb-$T-b"; NL="rzb-$T-l"; WA="rzb${T}a"; WB="rzb${T}b"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true
  for n in "$NA" "$NB" "$NL"; do ip netns del "$n" 2>/dev/null || true; done
  rm -f "/var/run/wireguard/$WA.sock" "/var/run/wireguard/$WB.sock"
}
trap cleanup EXIT
ip netns add "$NA"; ip netns add "$NB"; ip netns add "$NL"
ip link add "v${T}a" type veth peer name "v${T}b"
ip link set "v${T}a" netns "$NA"; ip link set "v${T}b" netns "$NB"
ip -n "$NA" address add 10.77.0.1/24 dev "v${T}a"; ip -n "$NB" address add 10.77.0.2/24 dev "v${T}b"
ip -n "$NA" link set "v${T}a" up; ip -n "$NB" link set "v${T}b" up
for n in "$NA" "$NB" "$NL"; do ip -n "$n" link set lo up; done
declare -A NSOF=([a]="$NA" [b]="$NB" [la]="$NL" [lb]="$NL")
rz() { local h="$1"; shift; ip netns exec "${NSOF[$h]}" "$R" "$@" --home "$WORK/$h"; }
start() {
  rm -f "$WORK/$1/api.json"
  ip netns exec "${NSOF[$1]}" "$R" daemon --home "$WORK/$1" >> "$WORK/$1.out" 2>&1 &
  pids+=($!)
  for _ in $(seq 900); do [ -f "$WORK/$1/api.json" ] && return 0; sleep 0.1; done
  echo "daemon $1 did not start within 90 s" >&2; exit 1
}
has() { # home path text: the entity's JSON contains text (bounded wait of 60 s)
  local end=$((SECONDS + 60))
  while [ "$SECONDS" -lt "$end" ]; do
    case "$(get_body "$1" "$2")" in *"$3"*) return 0 ;; esac
  done
  echo "$2 on $1 never showed $3" >&2; exit 1
}
api() { # home method path [body]
  local h="$1" port key
  port=$(sed -n 's/.*"port" *: *\([0-9]*\).*/\1/p' "$WORK/$h/api.json"); key=$(sed -n 's/.*"apiKey" *: *"\([^"]*\)".*/\1/p' "$WORK/$h/api.json")
  ip netns exec "${NSOF[$h]}" curl -s -o /dev/null -w '%{http_code}' -X "$2" -H "X-API-Key: $key" -H 'Content-Type: application/json' \
    ${4:+--data-binary "$4"} "http://127.0.0.1:$port/api/v1$3"
}
get_body() {
  local h="$1" port key
  port=$(sed -n 's/.*"port" *: *\([0-9]*\).*/\1/p' "$WORK/$h/api.json"); key=$(sed -n 's/.*"apiKey" *: *"\([^"]*\)".*/\1/p' "$WORK/$h/api.json")
  ip netns exec "${NSOF[$h]}" curl -s -H "X-API-Key: $key" "http://127.0.0.1:$port/api/v1$2"
}
pair() { # inviter joiner
  local inv code addr
  inv=$(rz "$1" pair --no-wait --json)
  code=$(echo "$inv" | sed -n 's/.*"code" *: *"\([^"]*\)".*/\1/p'); addr=$(echo "$inv" | sed -n 's/.*"addresses" *: *\[ *"\([^"]*\)".*/\1/p')
  rz "$2" join "$code" --addr "$addr" --timeout 30 > /dev/null
}
measure() { # label a b
  local lat=() i t0 t1
  api "$2" PUT /ns/notes/warm '"w"' > /dev/null
  has "$3" /ns/notes/warm '"value":"w"'
  for i in $(seq "$ROUNDS"); do
    t0=$(date +%s%N)
    api "$2" PUT "/ns/notes/lat$i" "\"v$i\"" > /dev/null
    has "$3" "/ns/notes/lat$i" "\"value\":\"v$i\""
    t1=$(date +%s%N); lat+=($(( (t1 - t0) / 1000000 )))
  done
  local sorted; sorted=$(printf '%s\n' "${lat[@]}" | sort -n)
  local med; med=$(echo "$sorted" | sed -n "$(( (ROUNDS + 1) / 2 ))p")
  local file="$WORK/bulk-$1.jsonl"
  { echo '{"declaration":{"name":"bulk","crdtType":"lww-register","scope":"full"}}'
    for i in $(seq "$N"); do printf '{"namespace":"bulk","key":"k%05d","type":"lww-register","value":"value number %d of the bulk import, some bytes to carry"}\n' "$i" "$i"; done; } > "$file"
  t0=$(date +%s%N)
  api "$2" POST /import "@$file" > /dev/null
  has "$3" "/ns/bulk/k$(printf %05d "$N")" "value number $N of"
  t1=$(date +%s%N)
  local ms=$(( (t1 - t0) / 1000000 ))
  echo "$1: write-to-peer latency median ${med} ms (min $(echo "$sorted" | head -n1), max $(echo "$sorted" | tail -n1), $ROUNDS writes); $N entities imported on A readable on B after $ms ms ($(( N * 1000 / (ms > 0 ? ms : 1) )) entities/s)"
}
mkdir -p "$WORK"/{a,b,la,lb}
printf 'api.port=0\np2p.listen=/ip4/10.77.0.1/tcp/0\np2p.mdns=false\n' > "$WORK/a/rhizome.properties"
printf 'api.port=0\np2p.listen=/ip4/10.77.0.2/tcp/0\np2p.mdns=false\n' > "$WORK/b/rhizome.properties"
for h in la lb; do printf 'api.port=0\np2p.listen=/ip4/127.0.0.1/tcp/0\np2p.mdns=false\n' > "$WORK/$h/rhizome.properties"; done
start a; start b; start la; start lb
pair a b; pair la lb
dev_a=$(rz a identity --json | sed -n 's/.*"deviceId" *: *"\([^"]*\)".*/\1/p'); dev_b=$(rz b identity --json | sed -n 's/.*"deviceId" *: *"\([^"]*\)".*/\1/p')
for p in "${pids[@]:0:2}"; do kill "$p"; wait "$p" 2>/dev/null || true; done
(umask 077; wg genkey > "$WORK/a/wireguard.key"; wg genkey > "$WORK/b/wireguard.key")
pub_a=$(wg pubkey < "$WORK/a/wireguard.key"); pub_b=$(wg pubkey < "$WORK/b/wireguard.key")
printf 'api.port=0\np2p.listen=/ip4/127.0.0.1/tcp/0\np2p.mdns=false\nwg.enabled=true\nwg.interface=%s\nwg.meshId=bench-%s\nwg.peers=%s:%s@10.77.0.2:51820\n' "$WA" "$T" "$dev_b" "$pub_b" > "$WORK/a/rhizome.properties"
printf 'api.port=0\np2p.listen=/ip4/127.0.0.1/tcp/0\np2p.mdns=false\nwg.enabled=true\nwg.interface=%s\nwg.meshId=bench-%s\nwg.peers=%s:%s@10.77.0.1:51820\n' "$WB" "$T" "$dev_a" "$pub_a" > "$WORK/b/rhizome.properties"
start a; start b
measure wireguard a b
measure libp2p-loopback la lb
rz b peers | head -n 3
