package io.rhizome.crdt.internal.seq;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

import io.rhizome.crdt.internal.ByteReader;
import io.rhizome.crdt.internal.Json;
import io.rhizome.spi.crdt.CrdtDecodeException;

/**
 * Reads the plain layout of {@link SeqStateCodec} (after the format byte and any inflation) into a
 * checked {@link SeqState}: every column must hold exactly one entry per run, every element range
 * and origin must be possible, the runs must cover each agent's elements exactly once
 * ({@link SeqIdCoverage}), and the content must hold exactly one item per live element. A state
 * that fails a check is refused with a {@link CrdtDecodeException} naming what is wrong.
 */
final class SeqStateDecoder {

    private SeqStateDecoder() {
    }

    /**
     * Decodes and checks the plain layout.
     *
     * @param byId whether to return the runs sorted by id ({@link SeqState#byId}) even when a
     *        cheaper check would do (building a document needs them, a merge does not)
     */
    static SeqState decode(ByteReader r, boolean isText, boolean byId) throws CrdtDecodeException {
        int agents = r.itemCount("agent count");
        String[] names = new String[agents];
        Set<String> seen = new HashSet<>();
        for (int k = 0; k < agents; k++) {
            names[k] = r.replicaId();
            if (!seen.add(names[k])) {
                throw new CrdtDecodeException("agent " + names[k] + " listed twice");
            }
        }
        int runs = r.itemCount("run count");
        ByteReader cA = new ByteReader(r.bytes()), cS = new ByteReader(r.bytes()), cL = new ByteReader(r.bytes()),
                cOL = new ByteReader(r.bytes()), cOLS = new ByteReader(r.bytes()), cOR = new ByteReader(r.bytes()),
                cORS = new ByteReader(r.bytes());
        byte[] contentBytes = r.bytes();
        r.expectEnd();

        int[] agent = new int[runs], seq = new int[runs], len = new int[runs], olA = new int[runs], olS = new int[runs],
                orA = new int[runs], orS = new int[runs];
        boolean[] del = new boolean[runs];
        long[] lastEnd = new long[agents];
        long[] total = new long[agents];
        long live = 0;
        for (int k = 0; k < runs; k++) {
            int a = agents == 0 ? failNoAgents() : cA.count(agents - 1, "agent index");
            long s = lastEnd[a] + cS.zigzag();
            long lv = cL.varlong();
            long n = lv >>> 1;
            if (s < 0 || n < 1 || s + n > Integer.MAX_VALUE - 1) {
                throw new CrdtDecodeException("run " + k + " has invalid element range " + s + "+" + n);
            }
            agent[k] = a;
            seq[k] = (int) s;
            len[k] = (int) n;
            del[k] = (lv & 1) != 0;
            lastEnd[a] = s + n;
            total[a] += n;
            if (!del[k]) {
                live += n;
            }
        }
        for (int k = 0; k < runs; k++) {
            long code = cOL.varlong();
            if (code == 0) {
                olA[k] = SeqDoc.NONE;
            } else if (code == 1) {
                if (k == 0) {
                    throw new CrdtDecodeException("first run refers to an element before it");
                }
                olA[k] = agent[k - 1];
                olS[k] = seq[k - 1] + len[k - 1] - 1;
            } else {
                olA[k] = refAgent(code, agents);
                olS[k] = (int) cOLS.bounded(Integer.MAX_VALUE - 1, "origin element");
            }
            code = cOR.varlong();
            if (code == 0) {
                orA[k] = SeqDoc.NONE;
            } else if (code == 1) {
                if (k + 1 >= runs) {
                    throw new CrdtDecodeException("last run refers to an element after it");
                }
                orA[k] = agent[k + 1];
                orS[k] = seq[k + 1];
            } else {
                orA[k] = refAgent(code, agents);
                orS[k] = (int) cORS.bounded(Integer.MAX_VALUE - 1, "origin element");
            }
        }
        for (ByteReader c : new ByteReader[] {cA, cS, cL, cOL, cOLS, cOR, cORS}) {
            c.expectEnd();
        }
        long[] sorted = byId || !SeqIdCoverage.coveredByBits(runs, agent, seq, len, agents, names, total)
                ? SeqIdCoverage.check(runs, agent, seq, len, agents, names, total)
                : null;
        for (int k = 0; k < runs; k++) {
            if ((olA[k] != SeqDoc.NONE && olS[k] >= total[olA[k]]) || (orA[k] != SeqDoc.NONE && orS[k] >= total[orA[k]])) {
                throw new CrdtDecodeException("run " + k + " has an origin that names no element");
            }
        }

        Object content;
        if (isText) {
            int[] cps = codePoints(contentBytes);
            if (cps.length != live) {
                throw new CrdtDecodeException("text content has " + cps.length + " code points for " + live + " live elements");
            }
            content = cps;
        } else {
            ByteReader cr = new ByteReader(contentBytes);
            if (live > contentBytes.length) {
                throw new CrdtDecodeException("list content too short for " + live + " live elements");
            }
            Object[] items = new Object[(int) live];
            for (int k = 0; k < live; k++) {
                items[k] = Json.read(cr);
            }
            cr.expectEnd();
            content = items;
        }

        return new SeqState(isText, names, runs, agent, seq, len, del, olA, olS, orA, orS, content, sorted);
    }

    /** UTF-8 to code points, strictly; ASCII (most text) without a String in between. */
    private static int[] codePoints(byte[] utf8) throws CrdtDecodeException {
        int[] out = new int[utf8.length];
        for (int i = 0; i < utf8.length; i++) {
            if (utf8[i] < 0) {
                try {
                    return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(utf8)).toString().codePoints().toArray();
                } catch (java.nio.charset.CharacterCodingException e) {
                    throw new CrdtDecodeException("text content is not valid UTF-8", e);
                }
            }
            out[i] = utf8[i];
        }
        return out;
    }

    private static int failNoAgents() throws CrdtDecodeException {
        throw new CrdtDecodeException("runs without any agent");
    }

    private static int refAgent(long code, int agents) throws CrdtDecodeException {
        if (code - 2 >= agents) {
            throw new CrdtDecodeException("origin names agent " + (code - 2) + " of " + agents);
        }
        return (int) (code - 2);
    }
}
