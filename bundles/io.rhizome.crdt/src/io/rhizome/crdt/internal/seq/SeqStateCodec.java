package io.rhizome.crdt.internal.seq;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

import com.fasterxml.jackson.databind.JsonNode;

import io.rhizome.crdt.internal.ByteReader;
import io.rhizome.crdt.internal.ByteWriter;
import io.rhizome.crdt.internal.Json;
import io.rhizome.spi.crdt.CrdtDecodeException;

/**
 * The state of a sequence: column-oriented, varint-coded, then DEFLATE-compressed.
 *
 * <p>Layout (before compression): agent names; run count; then one length-prefixed column each for
 * agent index, element number (zig-zag delta from the end of the agent's previous run), length and
 * deleted flag, left origin (0 none, 1 "the element just before this run", k+2 "agent k" with the
 * number in a separate column), right origin (0 none, 1 "the first element of the next run", k+2
 * as before) and content (the live elements only, in order). Most runs start right after their left
 * origin or end right before their right origin, so those columns are mostly ones and compress to
 * almost nothing; the content dominates.
 *
 * <p>Decoding checks everything: the inflated size is bounded by the compressed size, every agent's
 * runs must cover its element numbers exactly once from 0, every origin must name an existing
 * element, and the content must hold exactly one item per live element.
 */
final class SeqStateCodec {

    private static final int FORMAT_DEFLATE = 1;
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
        StringBuilder text = doc.text ? new StringBuilder(doc.visible) : null;
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
                    int[] data = ((Content.Chars) content).data;
                    for (int j = 0; j < n; j++) {
                        text.appendCodePoint(data[at + j]);
                    }
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
        raw.bytes(text != null ? text.toString().getBytes(StandardCharsets.UTF_8) : values.toByteArray());

        byte[] plain = raw.toByteArray();
        Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        try {
            deflater.setInput(plain);
            deflater.finish();
            ByteArrayOutputStream packed = new ByteArrayOutputStream(plain.length / 2 + 64);
            byte[] buf = new byte[16384];
            while (!deflater.finished()) {
                int n = deflater.deflate(buf);
                packed.write(buf, 0, n);
            }
            out.u8(FORMAT_DEFLATE).varlong(plain.length).bytes(packed.toByteArray());
        } finally {
            deflater.end();
        }
    }

    static SeqDoc read(ByteReader in, boolean isText) throws CrdtDecodeException {
        int format = in.u8();
        if (format != FORMAT_DEFLATE) {
            throw new CrdtDecodeException("unknown sequence state format " + format);
        }
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
        return parse(new ByteReader(plain), isText);
    }

    private static SeqDoc parse(ByteReader r, boolean isText) throws CrdtDecodeException {
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
        checkCoverage(runs, agent, seq, len, agents, names, total);
        for (int k = 0; k < runs; k++) {
            if ((olA[k] != SeqDoc.NONE && olS[k] >= total[olA[k]]) || (orA[k] != SeqDoc.NONE && orS[k] >= total[orA[k]])) {
                throw new CrdtDecodeException("run " + k + " has an origin that names no element");
            }
        }

        Object content;
        if (isText) {
            String s;
            try {
                s = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(contentBytes)).toString();
            } catch (java.nio.charset.CharacterCodingException e) {
                throw new CrdtDecodeException("text content is not valid UTF-8", e);
            }
            int[] cps = s.codePoints().toArray();
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

        SeqDoc doc = new SeqDoc(isText);
        for (String name : names) {
            doc.agent(name);
        }
        int at = 0;
        for (int k = 0; k < runs; k++) {
            doc.appendRun(agent[k], seq[k], len[k], del[k], olA[k], olS[k], orA[k], orS[k], content, at);
            if (!del[k]) {
                at += len[k];
            }
        }
        return doc;
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

    /** Every agent's runs must cover 0..total-1 exactly once. */
    private static void checkCoverage(int runs, int[] agent, int[] seq, int[] len, int agents, String[] names, long[] total)
            throws CrdtDecodeException {
        long[] keys = new long[runs];
        for (int k = 0; k < runs; k++) {
            keys[k] = ((long) agent[k] << 32) | seq[k];
        }
        Integer[] orderBoxed = new Integer[runs];
        for (int k = 0; k < runs; k++) {
            orderBoxed[k] = k;
        }
        Arrays.sort(orderBoxed, (x, y) -> Long.compare(keys[x], keys[y]));
        long[] expect = new long[agents];
        for (Integer kk : orderBoxed) {
            int k = kk;
            int a = agent[k];
            if (seq[k] != expect[a]) {
                throw new CrdtDecodeException("elements of " + names[a] + " are missing or repeated near " + expect[a]);
            }
            expect[a] += len[k];
        }
        for (int a = 0; a < agents; a++) {
            if (expect[a] != total[a]) {
                throw new CrdtDecodeException("elements of " + names[a] + " do not add up");
            }
        }
    }
}
