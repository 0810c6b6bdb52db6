// B4 with Automerge (the "next" API, where strings are collaborative text): every patch applied as its own change (Automerge.splice on a text field), each
// change encoded (getLastLocalChange), then the document saved. Prints one key=value line.
import * as A from '@automerge/automerge/next'
import { loadTrace, heapMb } from './trace.mjs'

const { endContent, patches } = loadTrace(process.argv[2])
const base = heapMb()
const t0 = performance.now()
let doc = A.from({ text: '' })
let changeBytes = 0
for (const [pos, del, ins] of patches) {
  doc = A.change(doc, d => { A.splice(d, ['text'], pos, del, ins) })
  changeBytes += A.getLastLocalChange(doc).length
}
const saved = A.save(doc)
const ms = performance.now() - t0
const ok = doc.text === endContent
console.log(`automerge b4 ok=${ok} patches=${patches.length} ms=${ms.toFixed(1)} encoded_bytes=${saved.length} change_bytes=${changeBytes} heap_mb=${(heapMb() - base).toFixed(1)}`)
if (!ok) process.exit(3)
