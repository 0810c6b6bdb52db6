// The remote path of B4 with Yjs, the same three rounds as `CrdtBench remote` (see its Javadoc):
//   remote:   the trace's per-patch V1 updates (collected from the 'update' event, not timed)
//             applied on a second doc with Y.applyUpdate, one call per update;
//   state:    Y.encodeStateAsUpdate of the full document, decoded as a copy (applyUpdate into a
//             new doc) and merged (applyUpdate) into a diverged doc: one that lacks the trace's
//             last 2,000 updates and made one edit of its own (cold, then 10 warm runs);
//   workload: two docs editing the trace's first 60,000 patches (the text grows to 37 KB) in
//             2,300 turns of 26 or 27 patches; after each turn the editor's full state is encoded and
//             merged into the other doc, and on 7 turns in 8 also decoded as a copy (2,012 copies).
// Usage: node b4-yjs-remote.mjs <trace> remote|state|workload [warm runs]: one round per process,
// so that "cold" means the same for Yjs as for a fresh JVM. Prints one key=value line: cold = the
// first run, warm = the median of the others (the workload runs once).
import * as Y from 'yjs'
import { loadTrace } from './trace.mjs'

const { endContent, patches } = loadTrace(process.argv[2])
const round = process.argv[3]
const warmRuns = Number(process.argv[4] ?? 3)
const DIVERGED_MISSING = 2000
const WORKLOAD_PATCHES = 60000
const TURNS = 2300
const COPY_SKIP_EVERY = 8

function edit (text, [pos, del, ins]) {
  text.doc.transact(() => {
    if (del > 0) text.delete(pos, del)
    if (ins) text.insert(pos, ins)
  })
}

function expectedLength (n) {
  let len = 0
  for (let i = 0; i < n; i++) len += [...patches[i][2]].length - patches[i][1]
  return len
}

// CPU time of the whole process (every thread: V8's compilers and collector too), in ms: on a
// loaded machine wall times mostly measure waiting for a core (CrdtBench reports the same).
function cpuMs () {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

function median (xs) {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

// Not timed: the editor's document and its updates, as a peer would send them.
const editor = new Y.Doc()
const updates = []
const collect = u => updates.push(u)
editor.on('update', collect)
const editorText = editor.getText('text')
for (const p of patches) edit(editorText, p)
editor.off('update', collect)

function remoteRound () {
  const c0 = cpuMs()
  const t0 = performance.now()
  const doc = new Y.Doc()
  for (const u of updates) Y.applyUpdate(doc, u)
  const ms = performance.now() - t0
  const cpu = cpuMs() - c0
  return { ms, cpu, ok: doc.getText('text').toString() === endContent }
}

// The diverged doc, built once (not timed); each state round merges into a fresh copy of it.
let divergedState = null
function divergedStateOnce () {
  if (divergedState === null) {
    const base = new Y.Doc()
    for (let i = 0; i < updates.length - DIVERGED_MISSING; i++) Y.applyUpdate(base, updates[i])
    base.getText('text').insert(0, 'x')
    divergedState = Y.encodeStateAsUpdate(base)
  }
  return divergedState
}

function stateRound () {
  // Untimed: a fresh diverged doc per run; the copy is checked and dropped (as CrdtBench does).
  const diverged = new Y.Doc()
  Y.applyUpdate(diverged, divergedStateOnce())
  const c0 = cpuMs()
  const t0 = performance.now()
  const state = Y.encodeStateAsUpdate(editor)
  const t1 = performance.now()
  const copy = new Y.Doc()
  Y.applyUpdate(copy, state)
  const t2 = performance.now()
  Y.applyUpdate(diverged, state)
  const t3 = performance.now()
  const cpu = cpuMs() - c0
  const ok = copy.getText('text').toString() === endContent && diverged.getText('text').length === endContent.length + 1
  return { encode: t1 - t0, decode: t2 - t1, merge: t3 - t2, ms: t3 - t0, cpu, ok, bytes: state.length }
}

function workloadRound () {
  const docs = [new Y.Doc(), new Y.Doc()]
  const texts = docs.map(d => d.getText('text'))
  const n = Math.min(WORKLOAD_PATCHES, patches.length)
  let edit_ = 0; let encode = 0; let copy = 0; let merge = 0; let copies = 0; let merges = 0
  const c0 = cpuMs()
  const t0 = performance.now()
  for (let k = 0, i = 0; k < TURNS; k++) {
    const a = k % 2; const b = 1 - a
    let t = performance.now()
    const end = Math.floor((k + 1) * n / TURNS)
    for (; i < end; i++) edit(texts[a], patches[i])
    let u = performance.now(); edit_ += u - t; t = u
    const state = Y.encodeStateAsUpdate(docs[a])
    u = performance.now(); encode += u - t; t = u
    if (k % COPY_SKIP_EVERY !== 0) {
      const c = new Y.Doc()
      Y.applyUpdate(c, state)
      copies++
      u = performance.now(); copy += u - t; t = u
    }
    Y.applyUpdate(docs[b], state)
    merges++
    u = performance.now(); merge += u - t
  }
  const ms = performance.now() - t0
  const cpu = cpuMs() - c0
  const ok = texts[0].toString() === texts[1].toString() && texts[0].length === expectedLength(n)
  return { ms, cpu, edit: edit_, encode, copy, merge, copies, merges, ok, length: texts[0].length }
}

const f = x => x.toFixed(1)
let ok = true
if (round === 'remote') {
  const runs = [remoteRound()]
  for (let i = 0; i < warmRuns; i++) runs.push(remoteRound())
  ok = runs.every(r => r.ok)
  console.log(`yjs remote ok=${ok} updates=${updates.length} cold_ms=${f(runs[0].ms)} warm_median_ms=${f(median(runs.slice(1).map(r => r.ms)))}` +
    ` cold_cpu_ms=${f(runs[0].cpu)} warm_cpu_ms=${f(runs.slice(1).reduce((a, r) => a + r.cpu, 0) / Math.max(1, runs.length - 1))}`)
} else if (round === 'state') {
  const runs = [stateRound()]
  for (let i = 0; i < Math.max(warmRuns, 10); i++) runs.push(stateRound())
  const warm = runs.slice(1)
  ok = runs.every(r => r.ok)
  console.log(`yjs state ok=${ok} state_bytes=${runs[0].bytes} cold_ms=${f(runs[0].ms)} warm_median_ms=${f(median(warm.map(r => r.ms)))}` +
    ` encode_ms=${f(median(warm.map(r => r.encode)))} decode_ms=${f(median(warm.map(r => r.decode)))} merge_ms=${f(median(warm.map(r => r.merge)))}` +
    ` cold_cpu_ms=${f(runs[0].cpu)} warm_cpu_ms=${f(warm.reduce((a, r) => a + r.cpu, 0) / warm.length)}`)
} else if (round === 'workload') {
  const w = workloadRound()
  ok = w.ok
  console.log(`yjs workload ok=${ok} turns=${TURNS} copies=${w.copies} merges=${w.merges} length=${w.length} ms=${f(w.ms)} cpu_ms=${f(w.cpu)}` +
    ` edit_ms=${f(w.edit)} encode_ms=${f(w.encode)} copy_ms=${f(w.copy)} merge_ms=${f(w.merge)}`)
} else {
  console.error('usage: node b4-yjs-remote.mjs <trace> remote|state|workload [warm runs]')
  process.exit(2)
}
if (!ok) process.exit(3)
