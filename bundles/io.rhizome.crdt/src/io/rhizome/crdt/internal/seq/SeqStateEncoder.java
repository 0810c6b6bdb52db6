package io.rhizome.crdt.internal.seq;

import com.fasterxml.jackson.databind.JsonNode;

import io.rhizome.crdt.internal.ByteWriter;
import io.rhizome.crdt.internal.Json;

/**
 * Writes a document in the plain layout of {@link SeqStateCodec} (before the format byte and any
 * compression): the agent names, the run count, the run columns and the live content. One pass
 * over the leaves writes every column directly; a run's right origin is written when the next run
 * is seen (its code depends on that run).
 */
final class SeqStateEncoder {

    private SeqStateEncoder() {
    }

    /** The plain layout of {@code doc}. */
    static byte[] encode(SeqDoc doc) {
        int runs = doc.runCount();
        ByteWriter text = doc.text ? new ByteWriter(doc.visible + 16) : null;
        ByteWriter values = doc.text ? null : new ByteWriter(256);
        ByteWriter cA = new ByteWriter(runs), cS = new ByteWriter(runs * 2), cL = new ByteWriter(runs * 2),
                cOL = new ByteWriter(runs), cOLS = new ByteWriter(runs), cOR = new ByteWriter(runs), cORS = new ByteWriter(runs);
        int[] lastEnd = new int[doc.ids.names.size()];
        // the previous run, whose right origin waits for this one
        int pAgent = SeqDoc.NONE, pSeq = 0, pLen = 0, pOrA = SeqDoc.NONE, pOrS = 0;
        boolean first = true;
        for (SeqLeaf l = doc.head; l != null; l = l.next) {
            int at = 0; // where run r's live elements start in the leaf's content
            for (int r = 0; r < l.n; r++) {
                int a = l.agent[r], seq = l.seq[r], n = l.len[r];
                if (!first) {
                    rightOrigin(cOR, cORS, pOrA, pOrS, a == pOrA && seq == pOrS);
                }
                cA.varlong(a);
                cS.zigzag((long) seq - lastEnd[a]);
                lastEnd[a] = seq + n;
                cL.varlong(((long) n << 1) | (l.del[r] ? 1 : 0));
                int olA = l.olA[r], olS = l.olS[r];
                if (olA == SeqDoc.NONE) {
                    cOL.varlong(0);
                } else if (!first && olA == pAgent && olS == pSeq + pLen - 1) {
                    cOL.varlong(1);
                } else {
                    cOL.varlong(olA + 2L);
                    cOLS.varlong(olS);
                }
                if (!l.del[r]) {
                    if (text != null) {
                        text.utf8(((Content.Chars) l.content).data, at, n);
                    } else {
                        Object[] data = ((Content.Values) l.content).data;
                        for (int j = 0; j < n; j++) {
                            Json.write(values, (JsonNode) data[at + j]);
                        }
                    }
                    at += n;
                }
                pAgent = a;
                pSeq = seq;
                pLen = n;
                pOrA = l.orA[r];
                pOrS = l.orS[r];
                first = false;
            }
        }
        if (!first) {
            rightOrigin(cOR, cORS, pOrA, pOrS, false);
        }
        ByteWriter content = text != null ? text : values;
        ByteWriter raw = new ByteWriter(64 + doc.ids.names.size() * 16 + cA.size() + cS.size() + cL.size() + cOL.size() + cOLS.size()
                + cOR.size() + cORS.size() + content.size() + 8 * 5);
        raw.varlong(doc.ids.names.size());
        doc.ids.names.forEach(raw::string);
        raw.varlong(runs);
        for (ByteWriter c : new ByteWriter[] {cA, cS, cL, cOL, cOLS, cOR, cORS, content}) {
            raw.bytes(c);
        }
        return raw.toByteArray();
    }

    /** A run's right origin: none, "the first element of the next run", or explicit. */
    private static void rightOrigin(ByteWriter cOR, ByteWriter cORS, int orA, int orS, boolean isNextRun) {
        if (orA == SeqDoc.NONE) {
            cOR.varlong(0);
        } else if (isNextRun) {
            cOR.varlong(1);
        } else {
            cOR.varlong(orA + 2L);
            cORS.varlong(orS);
        }
    }
}
