#!/usr/bin/env bash
# Two devices behind two NATs meet through a relay, sync, and hole punch a direct connection (issue 20).
#
#   sudo tests/nat/run.sh [--bytes N] [--values K] [--rate RATE]
#       (root: network namespaces and nftables; SKIP_BUILD=1 uses the node as built)
#
# Topology, all in network namespaces this run creates (names unique per run, removed at the end):
#
#   A 10.20.1.2 ── router RA (NAT, 192.0.2.2) ──┐
#                                               ├── "internet" bridge ── relay 192.0.2.1:4001 (./rhizome relay, its own namespace)
#   B 10.20.2.2 ── router RB (NAT, 192.0.2.3) ──┘
#
# --rate RATE (tc's units, e.g. 50mbit) limits every link of the internet, each direction, with a
# token bucket (tc tbf; these kernels have no netem, so no added delay): the routers' uplinks and the
# relay's link. Without it the links are as fast as the CPU lets them be.
#
# Each router masquerades its private network and drops every connection that starts on its public
# side (a home router's firewall): neither device can be dialed, both keep a reservation on the relay.
#   Phase 1, symmetric NAT (`masquerade random`: a new random source port per connection): the devices
#     pair through the relay and sync; DCUtR tries and fails (the port the peer learned is not the
#     port a new connection gets), the route stays `relayed`, and sync goes on through the relay.
#   Phase 2, port-preserving NAT (`masquerade`, endpoint-independent mapping): both daemons restart,
#     meet through the relay again, DCUtR punches through both NATs (TCP simultaneous open from the
#     listen ports) and the route becomes `hole-punched`; the relayed connection closes.
# Each phase prints the route `status` shows on both sides, AutoNAT's reachability, and the time a
# K values of N bytes each (default 16 of 1000000), written on A through its REST API one after the
# other, take to arrive on B (read through B's REST API), and the throughput that gives: relayed in
# phase 1, direct in phase 2. Every wait is bounded and fails at its deadline (exit 1; homes and logs kept).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bytes=1000000; values=16; rate=""
while [ $# -gt 0 ]; do
  case "$1" in
    --bytes) [[ "${2:-}" =~ ^[0-9]+$ ]] && [ "$2" -ge 16 ] && [ "$2" -le 1000000 ] || { echo "--bytes takes a whole number from 16 to 1000000 (a value is at most 1 MiB), not '${2:-}'" >&2; exit 2; }
             bytes="$2"; shift 2 ;;
    --values) [[ "${2:-}" =~ ^[0-9]+$ ]] && [ "$2" -ge 1 ] && [ "$2" -le 100 ] || { echo "--values takes a whole number from 1 to 100, not '${2:-}'" >&2; exit 2; }
             values="$2"; shift 2 ;;
    --rate) [[ "${2:-}" =~ ^[0-9]+(kbit|mbit|gbit)$ ]] || { echo "--rate takes a rate in kbit, mbit or gbit (e.g. 50mbit), not '${2:-}'" >&2; exit 2; }
             rate="$2"; shift 2 ;;
    *) echo "usage: tests/nat/run.sh [--bytes N] [--values K] [--rate RATE]" >&2; exit 2 ;;
  esac
done
for tool in ip nft tc python3 curl; do command -v "$tool" >/dev/null || { echo "$tool is not installed (nft: apt-get install nftables; tc: iproute2)" >&2; exit 3; }; done
PATH="$("$root/releng/best-jdk.sh" javac)/bin:$PATH"
if [ -z "${SKIP_BUILD:-}" ] && ! compgen -G "$root/releng/io.rhizome.product/target/products/io.rhizome.node/linux/gtk/x86_64/plugins/org.eclipse.equinox.launcher_*.jar" >/dev/null; then
  (cd "$root" && ./mvnw -B -q verify -DskipTests)
fi

tag="$(( $$ % 100000 ))"
ns_pub="rznat$tag-pub"; ns_rly="rznat$tag-rly"; ns_ra="rznat$tag-ra"; ns_rb="rznat$tag-rb"; ns_a="rznat$tag-a"; ns_b="rznat$tag-b"
work=$(mktemp -d "/tmp/rhizome-nat-$tag-XXXX")
pids=()
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  set +e
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  for n in "$ns_a" "$ns_b" "$ns_ra" "$ns_rb" "$ns_rly" "$ns_pub"; do ip netns del "$n" 2>/dev/null; done
  if [ "$rc" = 0 ]; then rm -rf "$work"; else echo "homes and logs kept in $work" >&2; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
die() { echo "FAIL: $*" >&2; exit 1; }

# ------------------------------------------------------------------ network
ip netns add "$ns_pub" || { echo "cannot create network namespaces (run as root)" >&2; exit 3; }
for n in "$ns_rly" "$ns_ra" "$ns_rb" "$ns_a" "$ns_b"; do ip netns add "$n"; done
for n in "$ns_pub" "$ns_rly" "$ns_ra" "$ns_rb" "$ns_a" "$ns_b"; do ip -n "$n" link set lo up; done
ip -n "$ns_pub" link add br0 type bridge
ip -n "$ns_pub" link set br0 up
# limit one end of a link, egress (both ends: both directions), when --rate is given
shape() { [ -z "$rate" ] || ip netns exec "$1" tc qdisc add dev "$2" root tbf rate "$rate" burst 64kb latency 400ms; }
# the relay's link: 192.0.2.1 in its own namespace
ip link add "rz${tag}r" type veth peer name "rz${tag}R"
ip link set "rz${tag}r" netns "$ns_rly"; ip link set "rz${tag}R" netns "$ns_pub"
ip -n "$ns_pub" link set "rz${tag}R" master br0; ip -n "$ns_pub" link set "rz${tag}R" up
ip -n "$ns_rly" link set "rz${tag}r" name eth0; ip -n "$ns_rly" address add 192.0.2.1/24 dev eth0; ip -n "$ns_rly" link set eth0 up
shape "$ns_rly" eth0; shape "$ns_pub" "rz${tag}R"
# router X: wan 192.0.2.W on the bridge, lan 10.20.N.1 towards its device 10.20.N.2
router() {
  local r="$1" w="$2" n="$3" dev="$4"
  ip link add "rz${tag}w$n" type veth peer name "rz${tag}W$n"
  ip link set "rz${tag}w$n" netns "$r"; ip link set "rz${tag}W$n" netns "$ns_pub"
  ip -n "$ns_pub" link set "rz${tag}W$n" master br0; ip -n "$ns_pub" link set "rz${tag}W$n" up
  ip -n "$r" link set "rz${tag}w$n" name wan; ip -n "$r" address add "192.0.2.$w/24" dev wan; ip -n "$r" link set wan up
  shape "$r" wan; shape "$ns_pub" "rz${tag}W$n"
  ip link add "rz${tag}l$n" type veth peer name "rz${tag}L$n"
  ip link set "rz${tag}l$n" netns "$r"; ip link set "rz${tag}L$n" netns "$dev"
  ip -n "$r" link set "rz${tag}l$n" name lan; ip -n "$r" address add "10.20.$n.1/24" dev lan; ip -n "$r" link set lan up
  ip -n "$dev" link set "rz${tag}L$n" name eth0; ip -n "$dev" address add "10.20.$n.2/24" dev eth0; ip -n "$dev" link set eth0 up
  ip -n "$dev" route add default via "10.20.$n.1"
  ip netns exec "$r" sysctl -qw net.ipv4.ip_forward=1
  ip netns exec "$r" nft -f - <<NFT
table inet fw {
  chain input {
    type filter hook input priority 0; policy accept;
    iifname "wan" ct state new drop
  }
  chain forward {
    type filter hook forward priority 0; policy accept;
    iifname "wan" ct state new drop
  }
}
table ip nat {
  chain post {
    type nat hook postrouting priority 100;
  }
}
NFT
}
router "$ns_ra" 2 1 "$ns_a"
router "$ns_rb" 3 2 "$ns_b"
nat_mode() { # random: a fresh random source port per connection (symmetric); preserve: endpoint-independent
  for r in "$ns_ra" "$ns_rb"; do
    ip netns exec "$r" nft flush chain ip nat post
    if [ "$1" = random ]; then ip netns exec "$r" nft add rule ip nat post oifname wan masquerade random
    else ip netns exec "$r" nft add rule ip nat post oifname wan masquerade; fi
  done
}
nat_mode random
tcp_open() { ip netns exec "$1" timeout 5 bash -c "</dev/tcp/$2/$3" 2>/dev/null; }

# ------------------------------------------------------------------ relay and daemons
deadline() { echo $(( $(date +%s) + $1 )); }
mkdir -p "$work/relay" "$work/a" "$work/b"
printf 'relay.listen=/ip4/192.0.2.1/tcp/4001\n' > "$work/relay/rhizome.properties"
ip netns exec "$ns_rly" "$root/rhizome" relay --home "$work/relay" > "$work/relay.log" 2>&1 &
pids+=($!)
d=$(deadline 60); until [ -f "$work/relay/relay.json" ]; do [ "$(date +%s)" -lt "$d" ] || die "the relay did not start: $(cat "$work/relay.log")"; sleep 0.3; done
relay=$(python3 -c 'import json,sys; a=[x for x in json.load(open(sys.argv[1]))["addresses"] if "/192.0.2.1/" in x]; print(a[0])' "$work/relay/relay.json")
echo "relay      $relay"
tcp_open "$ns_a" 192.0.2.1 4001 || die "A cannot reach the relay through its NAT"
for n in a b; do
  printf 'api.port=0\np2p.listen=/ip4/0.0.0.0/tcp/4001\np2p.mdns=false\np2p.relays=%s\n' "$relay" > "$work/$n/rhizome.properties"
done
nsof() { [ "$1" = a ] && echo "$ns_a" || echo "$ns_b"; }
declare -A dpid
start() {
  rm -f "$work/$1/api.json"
  ip netns exec "$(nsof "$1")" "$root/rhizome" daemon --home "$work/$1" >> "$work/$1.log" 2>&1 &
  dpid[$1]=$!; pids+=($!)
  local d; d=$(deadline 240)
  until [ -f "$work/$1/api.json" ]; do [ "$(date +%s)" -lt "$d" ] || die "daemon $1 did not start (log: $work/$1.log)"; sleep 0.5; done
}
stop() { kill "${dpid[$1]}"; wait "${dpid[$1]}" 2>/dev/null || true; }
rz() { local n="$1"; shift; ip netns exec "$(nsof "$n")" "$root/rhizome" "$@" --home "$work/$n"; }
# field of `status --json` under transports.libp2p: a python expression over `l`
st() { rz "$1" status --json | python3 -c "import json,sys; l=json.load(sys.stdin)['transports']['libp2p']; print($2)"; }
await() { # NODE SECONDS WHAT PYTHON-CONDITION-over-l
  local d; d=$(deadline "$2")
  until [ "$(st "$1" "bool($4)" 2>/dev/null)" = True ]; do
    [ "$(date +%s)" -lt "$d" ] || die "$3 not within $2 s on $1; status: $(rz "$1" status --json 2>&1 | head -c 3000)"
    sleep 1
  done
}
report() { # PHASE
  local pa pb
  pa=$(st a "l['peerId']"); pb=$(st b "l['peerId']")
  echo "[$1] A: route to B = $(st a "l['routes'].get('$pb','none')"), reachability = $(st a "l['reachability']"), hole punches = $(st a "l['holePunches']")"
  echo "[$1] B: route to A = $(st b "l['routes'].get('$pa','none')"), reachability = $(st b "l['reachability']"), hole punches = $(st b "l['holePunches']")"
}
# REST of daemon N inside its namespace: rest N METHOD PATH [curl args...] (the port and key of its api.json)
rest() {
  local n="$1" m="$2" path="$3"; shift 3
  local port key
  read -r port key < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["port"], d["apiKey"])' "$work/$n/api.json")
  ip netns exec "$(nsof "$n")" curl -sS --fail-with-body --max-time 60 -X "$m" -H "X-API-Key: $key" -H 'Content-Type: application/json' "$@" "http://127.0.0.1:$port/api/v1$path"
}
same() { python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin).get("value") == json.load(open(sys.argv[1])) else 1)' "$1" 2>/dev/null; }
transfer() { # PHASE KEY: writes $values values of $bytes bytes on A while B is paused, then times B's catch-up
  local value t0 tw tc t1 d i ms
  value="$work/value-$2.json"
  python3 -c "import sys; print('\"' + '$2'[0] * ($bytes - 2) + '\"', end='')" > "$value"
  # B's JVM is paused (SIGSTOP) while A writes, so the writes pile up as a backlog on A and what is
  # timed afterwards is the link (relayed or direct) carrying it and B applying it, not A's writing
  kill -STOP "${dpid[b]}"
  t0=$(date +%s%N)
  for i in $(seq 1 "$values"); do rest a PUT "/ns/notes/$2-$i" --data-binary @"$value" >/dev/null || { kill -CONT "${dpid[b]}"; die "[$1] A refused the write of value $i"; }; done
  tw=$(date +%s%N)
  kill -CONT "${dpid[b]}"
  tc=$(date +%s%N)
  # one author's writes arrive in order: wait for the last, then check every one
  d=$(deadline 300)
  until rest b GET "/ns/notes/$2-$values" 2>/dev/null | same "$value"; do
    [ "$(date +%s)" -lt "$d" ] || die "[$1] value $values written on A did not arrive on B within 300 s"
    sleep 0.05
  done
  t1=$(date +%s%N)
  for i in $(seq 1 "$values"); do
    rest b GET "/ns/notes/$2-$i" | same "$value" || die "[$1] value $i is not on B although the last one is"
  done
  ms=$(( (t1 - tc) / 1000000 ))
  echo "[$1] $values x $bytes bytes written on A in $(( (tw - t0) / 1000000 )) ms (REST, B paused); B had them all $ms ms after it went on: $(python3 -c "print(f'{$values * $bytes / 1e6 / max($ms, 1) * 1000:.1f}')") MB/s${rate:+ (links limited to $rate)}"
}

start a; start b
if tcp_open "$ns_a" 10.20.2.2 4001 || tcp_open "$ns_a" 192.0.2.3 4001; then die "A can dial B: no NAT between them"; fi
await a 60 "a reservation on the relay" "any('/p2p-circuit/' in x for x in l['listenAddresses'])"
await b 60 "a reservation on the relay" "any('/p2p-circuit/' in x for x in l['listenAddresses'])"
await a 60 "AutoNAT: private" "l['reachability'] == 'private'"
await b 60 "AutoNAT: private" "l['reachability'] == 'private'"

# ------------------------------------------------------------------ phase 1: symmetric NAT
echo "== phase 1: symmetric NAT (masquerade random): pair through the relay, hole punching fails"
inv=$(rz a pair --no-wait --json)
code=$(echo "$inv" | python3 -c 'import json,sys; print(json.load(sys.stdin)["code"])')
addr=$(echo "$inv" | python3 -c 'import json,sys; print([a for a in json.load(sys.stdin)["addresses"] if "/p2p-circuit/" in a][0])')
rz b join "$code" --addr "$addr" --timeout 60 >/dev/null || die "B could not join A's mesh through the relay"
pa=$(st a "l['peerId']"); pb=$(st b "l['peerId']")
await b 60 "a connection to A" "'$pa' in l['routes']"
d=$(deadline 90)
until [ "$(( $(st a "l['holePunches']['failed']") + $(st b "l['holePunches']['failed']") ))" -ge 1 ]; do
  [ "$(date +%s)" -lt "$d" ] || die "[symmetric] no hole punch attempt gave up within 90 s: $(st a "l['holePunches']") $(st b "l['holePunches']")"
  sleep 1
done
transfer symmetric r
report symmetric
[ "$(st b "l['routes'].get('$pa')")" = relayed ] || die "[symmetric] B's route to A is not relayed"
[ "$(st a "l['routes'].get('$pb')")" = relayed ] || die "[symmetric] A's route to B is not relayed"

# ------------------------------------------------------------------ phase 2: port-preserving NAT
echo "== phase 2: port-preserving NAT (masquerade): restart both, meet through the relay, hole punch"
stop a; stop b
nat_mode preserve
# new listen ports: the routers' connection tracking still holds phase 1's mappings of the old ones
# (a punch from the same port to the same peer would reuse its random port) — as a new router would not
for n in a b; do sed -i 's|^p2p.listen=.*|p2p.listen=/ip4/0.0.0.0/tcp/4002|' "$work/$n/rhizome.properties"; done
start a; start b
await a 90 "the hole-punched route to B" "l['routes'].get('$pb') == 'hole-punched'"
await b 90 "the hole-punched route to A" "l['routes'].get('$pa') == 'hole-punched'"
transfer hole-punched d
report hole-punched
echo "OK"
