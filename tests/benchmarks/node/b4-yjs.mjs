// B4 with Yjs: every patch applied as its own transaction, each producing one encoded update (the
// V1 'update' event: Yjs encodes V2 per-transaction updates about 5x slower, so V1 is the fair,
// faster choice), then the final state encoded with Y.encodeStateAsUpdateV2. Prints one line.
import * as Y from 'yjs'
import { loadTrace, heapMb } from './trace.mjs'

const { endContent, patches } = loadTrace(process.argv[2])
const base = heapMb()
const t0 = performance.now()
const doc = new Y.Doc()
const text = doc.getText('text')
let updateBytes = 0
doc.on('update', update => { updateBytes += update.length })
for (const [pos, del, ins] of patches) {
  doc.transact(() => {
    if (del > 0) text.delete(pos, del)
    if (ins) text.insert(pos, ins)
  })
}
const state = Y.encodeStateAsUpdateV2(doc)
const ms = performance.now() - t0
const ok = text.toString() === endContent
console.log(`yjs b4 ok=${ok} patches=${patches.length} ms=${ms.toFixed(1)} encoded_bytes=${state.length} update_bytes=${updateBytes} heap_mb=${(heapMb() - base).toFixed(1)}`)
if (!ok) process.exit(3)
