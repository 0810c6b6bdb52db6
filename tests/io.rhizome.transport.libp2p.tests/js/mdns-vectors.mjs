// Produces mDNS packets exactly as js-libp2p's @libp2p/mdns builds them (its query/answer code,
// encoded by dns-packet as multicast-dns does), for MdnsTest.
// Usage: node mdns-vectors.mjs > ../resources/mdns-js-vectors.json
import './polyfill.mjs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import dnsPacket from 'dns-packet'
import { multiaddr } from '@multiformats/multiaddr'

const here = path.dirname(fileURLToPath(import.meta.url))
const { gotQuery } = await import(path.join(here, 'node_modules/@libp2p/mdns/dist/src/query.js'))

const peer = '12D3KooWJ1TsijH7H5F74hfAD5XishQz3sxrmAtVY37GtNd9CqYf'
const addrs = [`/ip4/192.168.1.20/tcp/4001/p2p/${peer}`, `/ip4/127.0.0.1/tcp/4001/p2p/${peer}`]
let answers
gotQuery({ questions: [{ name: '_p2p._udp.local', type: 'PTR' }] },
  { respond: (a) => { answers = a } }, 'jspeername0123456789', addrs.map(a => multiaddr(a)), '_p2p._udp.local', true)

const response = dnsPacket.encode({ type: 'response', flags: dnsPacket.AUTHORITATIVE_ANSWER, answers })
const query = dnsPacket.encode({ type: 'query', id: 0, questions: [{ name: '_p2p._udp.local', type: 'PTR' }] })
process.stdout.write(JSON.stringify({
  generator: '@libp2p/mdns query.js + dns-packet',
  peerId: peer,
  addr0: addrs[0],
  addr1: addrs[1],
  query: Buffer.from(query).toString('hex'),
  response: Buffer.from(response).toString('hex')
}, null, 2) + '\n')
