// js-libp2p peer for Rhizome's interop tests and benchmark. Prints one JSON object per line.
//   node peer.mjs listen                      listen on 127.0.0.1, echo /rhizome/sync/1.0.0 messages
//   node peer.mjs dial <multiaddr> <count>    dial, ping, exchange <count> sync messages, exit
//   node peer.mjs ping <multiaddr>            dial any libp2p node, one /ipfs/ping round trip, exit
//   node peer.mjs bench-listen                listen, count bytes on /rhizome/bench/1.0.0
//   node peer.mjs bench-dial <multiaddr> <MiB> send <MiB> on /rhizome/bench/1.0.0, report MiB/s
// MDNS=1 in the environment adds @libp2p/mdns discovery (events: discovery).
// Every run is bounded by PEER_TIMEOUT_MS (default 60 s).
import './polyfill.mjs'
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { multiaddr } from '@multiformats/multiaddr'
import { lpStream } from '@libp2p/utils'
import { mdns } from '@libp2p/mdns'

const SYNC = '/rhizome/sync/1.0.0'
const BENCH = '/rhizome/bench/1.0.0'
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n')
const enc = new TextEncoder()
const dec = new TextDecoder()

const [mode, ...args] = process.argv.slice(2)
const timer = setTimeout(() => { out({ event: 'error', error: 'peer timed out' }); process.exit(2) },
  Number(process.env.PEER_TIMEOUT_MS ?? 60000))
timer.unref()

const node = await createLibp2p({
  addresses: { listen: mode.endsWith('listen') ? ['/ip4/127.0.0.1/tcp/0'] : [] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  services: { identify: identify(), ping: ping() },
  // MDNS=1 turns on LAN discovery (used by the network-namespace mDNS check only)
  peerDiscovery: process.env.MDNS === '1' ? [mdns({ interval: 1000 })] : []
})

node.addEventListener('peer:discovery', (evt) => {
  out({ event: 'discovery', peerId: evt.detail.id.toString(), multiaddrs: evt.detail.multiaddrs.map(String) })
})

node.addEventListener('peer:identify', (evt) => {
  out({
    event: 'identify',
    peerId: evt.detail.peerId.toString(),
    agentVersion: evt.detail.agentVersion,
    protocolVersion: evt.detail.protocolVersion,
    protocols: evt.detail.protocols,
    listenAddrs: evt.detail.listenAddrs.map(String)
  })
})

await node.handle(SYNC, async (stream, connection) => {
  const lp = lpStream(stream)
  try {
    while (true) {
      const text = dec.decode((await lp.read()).subarray())
      out({ event: 'sync-message', from: connection.remotePeer.toString(), text })
      await lp.write(enc.encode('js-echo:' + text))
    }
  } catch (e) {
    out({ event: 'sync-closed', reason: String(e.name) })
    await stream.close().catch(() => {})
  }
})

await node.handle(BENCH, async (stream) => {
  let bytes = 0
  const start = process.hrtime.bigint()
  await new Promise((resolve) => {
    stream.addEventListener('message', (evt) => { bytes += evt.data.byteLength })
    stream.addEventListener('remoteCloseWrite', resolve)
    stream.addEventListener('close', resolve)
  })
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  out({ event: 'bench-received', bytes, seconds })
  stream.send(enc.encode('ok'))
  await stream.close().catch(() => {})
})

async function dial (addr) {
  const start = process.hrtime.bigint()
  const conn = await node.dial(multiaddr(addr))
  out({ event: 'connected', remotePeer: conn.remotePeer.toString(), millis: Number(process.hrtime.bigint() - start) / 1e6 })
  return conn
}

if (mode === 'listen' || mode === 'bench-listen') {
  out({ event: 'listening', peerId: node.peerId.toString(), addrs: node.getMultiaddrs().map(String) })
  process.stdin.resume()
  process.stdin.on('end', async () => { await node.stop(); process.exit(0) })
} else if (mode === 'dial') {
  const conn = await dial(args[0])
  const rtt = await node.services.ping.ping(conn.remotePeer)
  out({ event: 'ping', rtt })
  const stream = await conn.newStream(SYNC)
  const lp = lpStream(stream)
  for (let i = 0; i < Number(args[1] ?? 3); i++) {
    await lp.write(enc.encode('hello ' + i))
    out({ event: 'sync-reply', text: dec.decode((await lp.read()).subarray()) })
  }
  await stream.close()
  out({ event: 'done' })
  await node.stop()
  process.exit(0)
} else if (mode === 'ping') {
  const conn = await dial(args[0])
  const rtt = await node.services.ping.ping(conn.remotePeer)
  out({ event: 'ping', rtt })
  await node.stop()
  process.exit(0)
} else if (mode === 'bench-dial') {
  const conn = await dial(args[0])
  const total = Number(args[1] ?? 256) * 1024 * 1024
  const chunk = new Uint8Array(64 * 1024).fill(7)
  const stream = await conn.newStream(BENCH)
  const ack = new Promise((resolve) => stream.addEventListener('message', resolve))
  const start = process.hrtime.bigint()
  for (let sent = 0; sent < total; sent += chunk.byteLength) {
    if (!stream.send(chunk)) {
      await stream.onDrain()
    }
  }
  await stream.close()
  await ack
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  out({ event: 'bench', bytes: total, seconds, mibPerSecond: total / 1048576 / seconds })
  await node.stop()
  process.exit(0)
} else {
  out({ event: 'error', error: 'unknown mode ' + mode })
  process.exit(1)
}
