// js-libp2p peer for Rhizome's DCUtR and AutoNAT interop tests (@libp2p/dcutr, @libp2p/autonat),
// run inside the test's network namespaces. Prints one JSON object per line; the log lines of
// js-libp2p's dcutr and auto-nat components are printed too, as {"event":"log","component",...}.
//   node natpeer.mjs relay <listenAddr>                      circuit relay v2 server
//   node natpeer.mjs autonat <listenAddr> [<rhizomeAddr>]    AutoNAT (server; as client: dials the Rhizome node
//                                                            and prints "verified" once an address of its own is)
//   node natpeer.mjs autonat-renamed <listenAddr>           AutoNAT server whose identify agent is not js-libp2p's default
//   node natpeer.mjs map <listenAddr> <rhizomeAddr> <ip> <port>  like autonat with a client, after it is verified:
//                                                            maps its address to ip:port (as a router's port mapping
//                                                            would) and connects again, so AutoNAT asks about that one
//   node natpeer.mjs victim <listenAddr>                     a plain TCP listener printing each connection it gets
//   node natpeer.mjs listen <listenAddr> <relayAddr>         DCUtR peer: reserves on the relay, prints "reserved",
//                                                            echoes /rhizome/sync/1.0.0
//   node natpeer.mjs dial <listenAddr> <circuitAddr>         DCUtR peer: dials the circuit, waits for the
//                                                            direct connection, exchanges sync messages on it
// The DCUtR peers announce their listen address (give it with a port) as a verified one (appendAnnounce):
// js-libp2p lists, and so puts in DCUtR's CONNECT, only addresses AutoNAT verified or that are announced,
// and its own AutoNAT v1 server cannot verify a js client (it takes the client's connection for the
// dial-back, finds its address differs from the listen address and closes it). They run no AutoNAT.
// Every run is bounded by PEER_TIMEOUT_MS (default 60 s); the long-running modes stop when stdin closes.
import './polyfill.mjs'
import net from 'node:net'
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { autoNAT } from '@libp2p/autonat'
import { dcutr } from '@libp2p/dcutr'
import { circuitRelayServer, circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { defaultLogger } from '@libp2p/logger'
import { multiaddr } from '@multiformats/multiaddr'
import { lpStream } from '@libp2p/utils'

const SYNC = '/rhizome/sync/1.0.0'
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n')
const enc = new TextEncoder()
const dec = new TextDecoder()
const [mode, listen, ...args] = process.argv.slice(2)
const timer = setTimeout(() => { out({ event: 'error', error: 'peer timed out' }); process.exit(2) },
  Number(process.env.PEER_TIMEOUT_MS ?? 60000))
timer.unref()
const stopOnStdinEnd = (stop) => {
  process.stdin.resume()
  process.stdin.on('end', async () => { await stop(); process.exit(0) })
}

if (mode === 'victim') {
  const [, , ip, , port] = listen.split('/')
  const server = net.createServer((socket) => {
    out({ event: 'victim-connection', from: socket.remoteAddress + ':' + socket.remotePort })
    socket.destroy()
  })
  server.listen(Number(port), ip, () => out({ event: 'listening', addrs: [listen.replace(/tcp\/0$/, 'tcp/' + server.address().port)] }))
  stopOnStdinEnd(async () => server.close())
} else {
  await runLibp2p()
}

/** Prints the dcutr and auto-nat components' log lines (every level) as JSON, the rest as js-libp2p does. */
function printingLogger () {
  const fallback = defaultLogger()
  const format = (f, args) => String(f).replace(/%[pasdeoj]/g, () => {
    const a = args.shift()
    return a instanceof Error ? a.message : Array.isArray(a) ? a.map(String).join(',') : String(a)
  })
  const make = (component) => {
    const log = (level) => (f, ...a) => out({ event: 'log', component, level, msg: format(f, a) })
    const l = log('info')
    l.error = log('error')
    l.trace = log('trace')
    l.enabled = true
    l.newScope = (name) => make(component + ':' + name)
    return l
  }
  return {
    forComponent: (name) => /dcutr|auto-nat/.test(name) ? make(name) : fallback.forComponent(name)
  }
}

async function runLibp2p () {
  const services = { identify: identify(), addresses: (components) => ({ manager: components.addressManager }) }
  if (mode === 'autonat' || mode === 'autonat-renamed' || mode === 'map') {
    services.autonat = autoNAT()
  }
  if (mode === 'relay') {
    services.relay = circuitRelayServer({ reservations: { maxReservations: 16 } })
  }
  if (mode === 'listen' || mode === 'dial') {
    services.dcutr = dcutr()
  }
  const node = await createLibp2p({
    addresses: {
      listen: mode === 'listen' ? [listen, args[0] + '/p2p-circuit'] : [listen],
      appendAnnounce: mode === 'listen' || mode === 'dial' ? [listen] : []
    },
    transports: [tcp(), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    logger: printingLogger(),
    nodeInfo: mode === 'autonat-renamed' ? { name: 'renamed-node', version: '1.0.0' } : undefined,
    services
  })
  const tcpAddrs = () => node.getMultiaddrs().map(String).filter((a) => !a.includes('/p2p-circuit'))
  /** Resolves once js-libp2p lists an address of its own that AutoNAT verified (getMultiaddrs lists only verified ones). */
  const verified = (wanted = () => true) => new Promise((resolve) => {
    const check = () => { if (tcpAddrs().some(wanted)) { resolve(tcpAddrs()) } }
    node.addEventListener('self:peer:update', check)
    check()
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
      await stream.close().catch(() => {})
    }
  }, { runOnLimitedConnection: true })
  node.addEventListener('connection:open', (evt) => {
    const c = evt.detail
    out({ event: 'connection', remotePeer: c.remotePeer.toString(), remoteAddr: c.remoteAddr.toString(), direction: c.direction })
  })
  node.addEventListener('connection:close', (evt) => {
    const c = evt.detail
    out({ event: 'connection-closed', remotePeer: c.remotePeer.toString(), remoteAddr: c.remoteAddr.toString() })
  })
  // the listen addresses, verified or not (getMultiaddrs lists only verified ones)
  out({ event: 'listening', peerId: node.peerId.toString(),
    addrs: node.services.addresses.manager.getAddressesWithMetadata().map((a) => a.multiaddr.toString()) })
  stopOnStdinEnd(() => node.stop())

  if (mode === 'autonat' && args[0] != null) {
    await node.dial(multiaddr(args[0]))
    out({ event: 'verified', addrs: await verified() })
  } else if (mode === 'map') {
    const rhizome = multiaddr(args[0])
    await node.dial(rhizome)
    out({ event: 'verified', addrs: await verified() })
    const [, , ip] = listen.split('/')
    const port = Number(tcpAddrs()[0].split('/')[4])
    node.services.addresses.manager.addPublicAddressMapping(ip, port, args[1], Number(args[2]), 'tcp')
    await node.hangUp(rhizome)
    await node.dial(rhizome)
    out({ event: 'mapped', addrs: node.services.addresses.manager.getAddressesWithMetadata()
      .map((a) => ({ addr: a.multiaddr.toString(), type: a.type, verified: a.verified })) })
  } else if (mode === 'listen') {
    const addrs = tcpAddrs()
    const circuit = () => node.getMultiaddrs().map(String).filter((a) => a.includes('/p2p-circuit'))
    await new Promise((resolve) => {
      if (circuit().length > 0) { resolve() }
      node.addEventListener('self:peer:update', () => { if (circuit().length > 0) { resolve() } })
    })
    out({ event: 'reserved', peerId: node.peerId.toString(), addrs: circuit(), direct: addrs })
  } else if (mode === 'dial') {
    const target = multiaddr(args[0])
    const relayed = await node.dial(target)
    out({ event: 'relayed', remoteAddr: relayed.remoteAddr.toString(), limited: relayed.limits != null })
    const direct = await new Promise((resolve) => {
      const find = () => node.getConnections(relayed.remotePeer).find((c) => !c.remoteAddr.toString().includes('/p2p-circuit'))
      const check = () => { const c = find(); if (c != null) { resolve(c) } }
      node.addEventListener('connection:open', check)
      check()
    })
    out({ event: 'direct', remoteAddr: direct.remoteAddr.toString(), direction: direct.direction })
    const stream = await direct.newStream(SYNC)
    const lp = lpStream(stream)
    for (let i = 0; i < 3; i++) {
      await lp.write(enc.encode('direct ' + i))
      out({ event: 'sync-reply', text: dec.decode((await lp.read()).subarray()) })
    }
    await stream.close()
    out({ event: 'done' })
    await node.stop()
    process.exit(0)
  } else if (mode !== 'relay' && mode !== 'autonat' && mode !== 'autonat-renamed') {
    out({ event: 'error', error: 'unknown mode ' + mode })
    process.exit(1)
  }
}
