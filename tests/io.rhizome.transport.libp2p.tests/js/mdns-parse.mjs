// Parses an mDNS response (hex in argv[2]) with js-libp2p's @libp2p/mdns response handling and prints
// the peer it finds as JSON: {"peerId": ..., "multiaddrs": [...]} or {"peerId": null}.
import './polyfill.mjs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import dnsPacket from 'dns-packet'

const here = path.dirname(fileURLToPath(import.meta.url))
const { gotResponse } = await import(path.join(here, 'node_modules/@libp2p/mdns/dist/src/query.js'))
const rsp = dnsPacket.decode(Buffer.from(process.argv[2], 'hex'))
const found = gotResponse(rsp, 'someotherlocalname', '_p2p._udp.local')
process.stdout.write(JSON.stringify(found == null
  ? { peerId: null }
  : { peerId: found.id.toString(), multiaddrs: found.multiaddrs.map(String) }) + '\n')
