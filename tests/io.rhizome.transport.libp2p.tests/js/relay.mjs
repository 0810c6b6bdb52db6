// js-libp2p circuit relay v2 peer for Rhizome's relay interop tests. Prints one JSON object per line.
//   node relay.mjs server <maxReservations> <dataLimitBytes>  a relay (@libp2p/circuit-relay-v2 server) on 127.0.0.1
//   node relay.mjs listen <relayMultiaddr>                     reserve on the relay, echo /rhizome/sync/1.0.0 messages
//   node relay.mjs dial <circuitMultiaddr> <count>             dial through a relay, exchange <count> sync messages, exit
// Every run is bounded by PEER_TIMEOUT_MS (default 60 s); server and listen stop when stdin closes.
import './polyfill.mjs'
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { circuitRelayServer, circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { multiaddr } from '@multiformats/multiaddr'
import { lpStream } from '@libp2p/utils'

const SYNC = '/rhizome/sync/1.0.0'
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n')
const enc = new TextEncoder()
const dec = new TextDecoder()

const [mode, ...args] = process.argv.slice(2)
const timer = setTimeout(() => { out({ event: 'error', error: 'peer timed out' }); process.exit(2) },
  Number(process.env.PEER_TIMEOUT_MS ?? 60000))
timer.unref()

const services = { identify: identify() }
if (mode === 'server') {
  services.relay = circuitRelayServer({
    reservations: {
      maxReservations: Number(args[0] ?? 15),
      applyDefaultLimit: true,
      defaultDataLimit: BigInt(args[1] ?? 131072),
      defaultDurationLimit: 120000
    }
  })
}
const node = await createLibp2p({
  addresses: { listen: mode === 'server' ? ['/ip4/127.0.0.1/tcp/0'] : mode === 'listen' ? [args[0] + '/p2p-circuit'] : [] },
  transports: [tcp(), circuitRelayTransport()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  services
})

await node.handle(SYNC, async (stream, connection) => {
  const lp = lpStream(stream)
  try {
    while (true) {
      const text = dec.decode((await lp.read()).subarray())
      out({ event: 'sync-message', from: connection.remotePeer.toString(), remoteAddr: connection.remoteAddr.toString(), text })
      await lp.write(enc.encode('js-echo:' + text))
    }
  } catch (e) {
    out({ event: 'sync-closed', reason: String(e.name) })
    await stream.close().catch(() => {})
  }
}, { runOnLimitedConnection: true })

node.addEventListener('connection:open', (evt) => {
  out({ event: 'connection', remotePeer: evt.detail.remotePeer.toString(), remoteAddr: evt.detail.remoteAddr.toString() })
})

if (mode === 'server') {
  node.services.relay.addEventListener('relay:reservation', (evt) => {
    out({ event: 'reservation', peerId: evt.detail.peerId?.toString?.() ?? '' })
  })
  out({ event: 'listening', peerId: node.peerId.toString(), addrs: node.getMultiaddrs().map(String) })
  process.stdin.resume()
  process.stdin.on('end', async () => { await node.stop(); process.exit(0) })
} else if (mode === 'listen') {
  const circuit = () => node.getMultiaddrs().map(String).filter((a) => a.includes('/p2p-circuit'))
  await new Promise((resolve) => {
    if (circuit().length > 0) { resolve() }
    node.addEventListener('self:peer:update', () => { if (circuit().length > 0) { resolve() } })
  })
  out({ event: 'reserved', peerId: node.peerId.toString(), addrs: circuit() })
  process.stdin.resume()
  process.stdin.on('end', async () => { await node.stop(); process.exit(0) })
} else if (mode === 'dial') {
  const conn = await node.dial(multiaddr(args[0]))
  out({ event: 'connected', remotePeer: conn.remotePeer.toString(), remoteAddr: conn.remoteAddr.toString(), limited: conn.limits != null })
  const stream = await conn.newStream(SYNC, { runOnLimitedConnection: true })
  const lp = lpStream(stream)
  for (let i = 0; i < Number(args[1] ?? 3); i++) {
    await lp.write(enc.encode('hello ' + i))
    out({ event: 'sync-reply', text: dec.decode((await lp.read()).subarray()) })
  }
  await stream.close()
  out({ event: 'done' })
  await node.stop()
  process.exit(0)
} else {
  out({ event: 'error', error: 'unknown mode ' + mode })
  process.exit(1)
}
