// Loads an editing trace (josephg/editing-traces format) as a flat list of [pos, del, ins] patches.
import { readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'

export function loadTrace (file) {
  const trace = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8'))
  const patches = []
  for (const txn of trace.txns) {
    for (const p of txn.patches) patches.push(p)
  }
  return { startContent: trace.startContent, endContent: trace.endContent, patches }
}

export function heapMb () {
  if (global.gc) { global.gc(); global.gc() }
  return process.memoryUsage().heapUsed / 1048576
}
