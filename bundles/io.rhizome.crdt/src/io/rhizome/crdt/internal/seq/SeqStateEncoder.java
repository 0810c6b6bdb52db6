package io.rhizome.crdt.internal.seq;

import com.fasterxml.jackson.databind.JsonNode;

import io.rhizome.crdt.internal.ByteWriter;
import io.rhizome.crdt.internal.Json;

/**
 * Writes a document in the plain layout of {@link SeqStateCodec} (before the format byte and any
 * compression): the agent names, the run count, the run columns and the live content.
 */
final class SeqStateEncoder {

    private SeqStateEncoder() {
    }

    /** The plain layout of {@code doc}. */
    static byte[] encode(SeqDoc doc) {
        int runs = doc.runCount();
        int[] agent = new int[runs], seq = new int[runs], len = new int[runs], olA = new int[runs], olS = new int[runs],
                orA = new int[runs], orS = new int[runs];
        boolean[] del = new boolean[runs];
        ByteWriter text = doc.text ? new ByteWriter(doc.visible + 16) : null;
        ByteWriter values = doc.text ? null : new ByteWriter(256);
        int k = 0;
        for (SeqLeaf l = doc.head; l != null; l = l.next) {
            int at = 0; // where run r's live elements start in the leaf's content
            for (int r = 0; r < l.n; r++, k++) {
                int n = l.len[r];
                agent[k] = l.agent[r];
                seq[k] = l.seq[r];
                len[k] = n;
                del[k] = l.del[r];
                olA[k] = l.olA[r];
                olS[k] = l.olS[r];
                orA[k] = l.orA[r];
                orS[k] = l.orS[r];
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
            }
        }
        ByteWriter raw = new ByteWriter(1024 + doc.visible * 2);
        raw.varlong(doc.ids.names.size());
        doc.ids.names.forEach(raw::string);
        raw.varlong(runs);
        ByteWriter cA = new ByteWriter(runs), cS = new ByteWriter(runs), cL = new ByteWriter(runs * 2),
                cOL = new ByteWriter(runs), cOLS = new ByteWriter(64), cOR = new ByteWriter(runs), cORS = new ByteWriter(64);
        int[] lastEnd = new int[doc.ids.names.size()];
        for (k = 0; k < runs; k++) {
            int a = agent[k];
            cA.varlong(a);
            cS.zigzag((long) seq[k] - lastEnd[a]);
            lastEnd[a] = seq[k] + len[k];
            cL.varlong(((long) len[k] << 1) | (del[k] ? 1 : 0));
            if (olA[k] == SeqDoc.NONE) {
                cOL.varlong(0);
            } else if (k > 0 && olA[k] == agent[k - 1] && olS[k] == seq[k - 1] + len[k - 1] - 1) {
                cOL.varlong(1);
            } else {
                cOL.varlong(olA[k] + 2L);
                cOLS.varlong(olS[k]);
            }
            if (orA[k] == SeqDoc.NONE) {
                cOR.varlong(0);
            } else if (k + 1 < runs && orA[k] == agent[k + 1] && orS[k] == seq[k + 1]) {
                cOR.varlong(1);
            } else {
                cOR.varlong(orA[k] + 2L);
                cORS.varlong(orS[k]);
            }
        }
        for (ByteWriter c : new ByteWriter[] {cA, cS, cL, cOL, cOLS, cOR, cORS}) {
            raw.bytes(c.toByteArray());
        }
        raw.bytes(text != null ? text.toByteArray() : values.toByteArray());
        return raw.toByteArray();
    }
}
