package io.rhizome.crdt.internal.seq;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashSet;
import java.util.Set;
import java.util.zip.Deflater;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

import com.fasterxml.jackson.databind.JsonNode;

import io.rhizome.crdt.internal.ByteReader;
import io.rhizome.crdt.internal.ByteWriter;
import io.rhizome.crdt.internal.Json;
import io.rhizome.spi.crdt.CrdtDecodeException;

/**
 * The state of a sequence: column-oriented and varint-coded, written uncompressed.
 *
 * <p>Why not compressed: states are encoded on every snapshot, state copy and merge, and DEFLATE
 * was most of the cost of each (2 ms of a 37 KB text); bulk storage and transfer compress
 * elsewhere (backups deflate their whole record stream). Format 1 (the same layout, DEFLATE
 * compressed) is still read, so states written before format 2 decode unchanged.
 *
 * <p>Layout: a format byte (2 plain, 1 DEFLATE); then agent names; run count; then one length-prefixed column each for
 * agent index, element number (zig-zag delta from the end of the agent's previous run), length and
 * deleted flag, left origin (0 none, 1 "the element just before this run", k+2 "agent k" with the
 * number in a separate column), right origin (0 none, 1 "the first element of the next run", k+2
 * as before) and content (the live elements only, in order). Most runs start right after their left
 * origin or end right before their right origin, so those columns are mostly ones and compress to
 * almost nothing; the content dominates.
 *
 * <p>Decoding checks everything: an inflated size is bounded by the compressed size, every agent's
 * runs must cover its element numbers exactly once from 0, every origin must name an existing
 * element, and the content must hold exactly one item per live element.
 */
final class SeqStateCodec {

    static final int FORMAT_DEFLATE = 1;
    static final int FORMAT_PLAIN = 2;
    /**
     * States from this size on (before compression; about 60 k characters of text) are bulk and
     * compressed, at DEFLATE's fastest level: below it, compressing costs more than it saves.
     */
    static final int COMPRESS_FROM = 128 * 1024;
    /** DEFLATE cannot expand data by more than about 1032:1; anything claiming more is hostile. */
    private static final long MAX_RATIO = 1100;
    /** The largest uncompressed state accepted (about 200 M characters of text). */
    private static final long MAX_RAW = 1L << 30;

    private SeqStateCodec() {
    }

    static void write(SeqDoc doc, ByteWriter out) {
        int runs = doc.runCount();
        int[] agent = new int[runs], seq = new int[runs], len = new int[runs], olA = new int[runs], olS = new int[runs],
                orA = new int[runs], orS = new int[runs];
        boolean[] del = new boolean[runs];
        ByteWriter text = doc.text ? new ByteWriter(doc.visible + 16) : null;
        ByteWriter values = doc.text ? null : new ByteWriter(256);
        int[] i = {0};
        doc.forEachRun((a, first, n, deleted, la, ls, ra, rs, content, at) -> {
            int k = i[0]++;
            agent[k] = a;
            seq[k] = first;
            len[k] = n;
            del[k] = deleted;
            olA[k] = la;
            olS[k] = ls;
            orA[k] = ra;
            orS[k] = rs;
            if (!deleted) {
                if (text != null) {
                    text.utf8(((Content.Chars) content).data, at, n);
                } else {
                    Object[] data = ((Content.Values) content).data;
                    for (int j = 0; j < n; j++) {
                        Json.write(values, (JsonNode) data[at + j]);
                    }
                }
            }
        });
        ByteWriter raw = new ByteWriter(1024 + doc.visible * 2);
        raw.varlong(doc.names.size());
        doc.names.forEach(raw::string);
        raw.varlong(runs);
        ByteWriter cA = new ByteWriter(runs), cS = new ByteWriter(runs), cL = new ByteWriter(runs * 2),
                cOL = new ByteWriter(runs), cOLS = new ByteWriter(64), cOR = new ByteWriter(runs), cORS = new ByteWriter(64);
        int[] lastEnd = new int[doc.names.size()];
        for (int k = 0; k < runs; k++) {
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

        byte[] plain = raw.toByteArray();
        if (plain.length < COMPRESS_FROM) {
            out.u8(FORMAT_PLAIN).bytes(plain);
            return;
        }
        Deflater deflater = new Deflater(Deflater.BEST_SPEED, true);
        try {
            deflater.setInput(plain);
            deflater.finish();
            ByteWriter packed = new ByteWriter(plain.length / 2 + 64);
            byte[] buf = new byte[16384];
            while (!deflater.finished()) {
                int n = deflater.deflate(buf);
                packed.raw(buf, 0, n);
            }
            out.u8(FORMAT_DEFLATE).varlong(plain.length).bytes(packed.toByteArray());
        } finally {
            deflater.end();
        }
    }

    static SeqDoc read(ByteReader in, boolean isText) throws CrdtDecodeException {
        return readState(in, isText, true).toDoc();
    }

    /** Decodes and checks a state without building a document (a merge needs only its difference). */
    static SeqState readState(ByteReader in, boolean isText, boolean byId) throws CrdtDecodeException {
        int format = in.u8();
        if (format == FORMAT_PLAIN) {
            return parse(new ByteReader(in.bytes()), isText, byId);
        }
        if (format != FORMAT_DEFLATE) {
            throw new CrdtDecodeException("unknown sequence state format " + format);
        }
        return parse(new ByteReader(inflate(in)), isText, byId);
    }

    private static byte[] inflate(ByteReader in) throws CrdtDecodeException {
        long rawLen = in.bounded(MAX_RAW, "uncompressed state size");
        byte[] packed = in.bytes();
        if (rawLen > (packed.length + 16L) * MAX_RATIO) {
            throw new CrdtDecodeException("claimed uncompressed size " + rawLen + " is impossible for " + packed.length + " compressed bytes");
        }
        // Grow the output as data really inflates, so a false size claim costs nothing up front.
        byte[] plain = new byte[(int) Math.min(rawLen, Math.max(4096, packed.length * 4L))];
        Inflater inflater = new Inflater(true);
        try {
            inflater.setInput(packed);
            int got = 0;
            while (got < rawLen) {
                if (got == plain.length) {
                    plain = Arrays.copyOf(plain, (int) Math.min(rawLen, plain.length * 2L));
                }
                int n = inflater.inflate(plain, got, plain.length - got);
                if (n == 0) {
                    break; // finished early, or needs input it will not get
                }
                got += n;
            }
            if (got != rawLen) {
                throw new CrdtDecodeException("compressed state inflates to fewer bytes than its header says");
            }
            byte[] probe = new byte[1];
            if (!inflater.finished() && inflater.inflate(probe) > 0) {
                throw new CrdtDecodeException("compressed state inflates to more bytes than its header says");
            }
        } catch (DataFormatException e) {
            throw new CrdtDecodeException("corrupt compressed state: " + e.getMessage(), e);
        } finally {
            inflater.end();
        }
        return plain;
    }

    private static SeqState parse(ByteReader r, boolean isText, boolean byId) throws CrdtDecodeException {
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
        long[] sorted = byId || !coveredByBits(runs, agent, seq, len, agents, names, total)
                ? checkCoverage(runs, agent, seq, len, agents, names, total)
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

    /**
     * The check of {@link #checkCoverage} without sorting, when the elements fit a small bit map:
     * no two runs may share an element, and none may end past its agent's total (the sum of its
     * run lengths), so together they cover each agent's elements exactly once. Returns false when
     * the bit map would be too large, leaving the check to {@link #checkCoverage}.
     */
    private static boolean coveredByBits(int runs, int[] agent, int[] seq, int[] len, int agents, String[] names, long[] total)
            throws CrdtDecodeException {
        long[] base = new long[agents];
        long sum = 0;
        for (int a = 0; a < agents; a++) {
            base[a] = sum;
            sum += total[a];
        }
        if (sum > MAX_BITS) {
            return false;
        }
        BitSet seen = new BitSet((int) sum);
        for (int k = 0; k < runs; k++) {
            int a = agent[k];
            if ((long) seq[k] + len[k] > total[a]) {
                throw new CrdtDecodeException("elements of " + names[a] + " are missing or repeated near " + seq[k]);
            }
            int from = (int) (base[a] + seq[k]);
            int to = from + len[k];
            int set = seen.nextSetBit(from);
            if (set >= 0 && set < to) {
                throw new CrdtDecodeException("elements of " + names[a] + " are repeated near " + (set - base[a]));
            }
            seen.set(from, to);
        }
        return true;
    }

    /** The largest number of elements {@link #coveredByBits} checks (a 2 MB bit map). */
    private static final long MAX_BITS = 1L << 24;

    /**
     * Every agent's runs must cover 0..total-1 exactly once. Returns the runs sorted by id, packed as
     * {@code agent << 52 | first << 21 | run} ({@link SeqState#RUN_BITS}), or null for a state too
     * large to pack.
     */
    private static long[] checkCoverage(int runs, int[] agent, int[] seq, int[] len, int agents, String[] names, long[] total)
            throws CrdtDecodeException {
        long[] expect = new long[agents];
        // Sort (agent, element, run) packed in one long when they fit, which they do but for huge states.
        if (agents <= (1 << 11) && runs <= (1 << 21)) {
            long[] keys = new long[runs];
            for (int k = 0; k < runs; k++) {
                keys[k] = ((long) agent[k] << 52) | ((long) seq[k] << 21) | k;
            }
            Arrays.sort(keys);
            for (long key : keys) {
                checkNext((int) (key & ((1 << 21) - 1)), agent, seq, len, names, expect);
            }
            checkTotals(agents, names, total, expect);
            return keys;
        }
        {
            Integer[] order = new Integer[runs];
            for (int k = 0; k < runs; k++) {
                order[k] = k;
            }
            Arrays.sort(order, (x, y) -> agent[x] != agent[y] ? Integer.compare(agent[x], agent[y]) : Integer.compare(seq[x], seq[y]));
            for (Integer k : order) {
                checkNext(k, agent, seq, len, names, expect);
            }
        }
        checkTotals(agents, names, total, expect);
        return null;
    }

    private static void checkTotals(int agents, String[] names, long[] total, long[] expect) throws CrdtDecodeException {
        for (int a = 0; a < agents; a++) {
            if (expect[a] != total[a]) {
                throw new CrdtDecodeException("elements of " + names[a] + " do not add up");
            }
        }
    }

    private static void checkNext(int k, int[] agent, int[] seq, int[] len, String[] names, long[] expect) throws CrdtDecodeException {
        int a = agent[k];
        if (seq[k] != expect[a]) {
            throw new CrdtDecodeException("elements of " + names[a] + " are missing or repeated near " + expect[a]);
        }
        expect[a] += len[k];
    }
}
