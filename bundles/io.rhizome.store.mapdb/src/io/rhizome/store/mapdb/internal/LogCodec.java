package io.rhizome.store.mapdb.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.rhizome.spi.store.LogEntry;
import io.rhizome.spi.store.NewEntry;

/** The stored form of a log entry and the keys of the store's maps. */
final class LogCodec {

    private LogCodec() {
    }

    static byte[] encode(NewEntry entry) {
        byte[] author = entry.stream().getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(4 + author.length + 8 + entry.payload().length)
                .putInt(author.length).put(author).putLong(entry.seq()).put(entry.payload()).array();
    }

    static LogEntry decode(long position, byte[] stored) {
        ByteBuffer buf = ByteBuffer.wrap(stored);
        int authorLength = buf.getInt();
        if (authorLength < 0 || authorLength > buf.remaining() - 8) {
            throw new IllegalStateException("malformed log entry at position " + position);
        }
        String author = new String(stored, 4, authorLength, StandardCharsets.UTF_8);
        buf.position(4 + authorLength);
        long seq = buf.getLong();
        byte[] payload = new byte[buf.remaining()];
        buf.get(payload);
        return new LogEntry(position, author, seq, payload);
    }

    static int payloadLength(byte[] stored) {
        return stored.length - 4 - ByteBuffer.wrap(stored).getInt() - 8;
    }

    static byte[] encodeAuthors(Map<String, long[]> authors) {
        List<byte[]> names = new ArrayList<>();
        int size = 4;
        for (String author : authors.keySet()) {
            byte[] name = author.getBytes(StandardCharsets.UTF_8);
            names.add(name);
            size += 4 + name.length + 16;
        }
        ByteBuffer buf = ByteBuffer.allocate(size).putInt(authors.size());
        int i = 0;
        for (long[] seqs : authors.values()) {
            byte[] name = names.get(i++);
            buf.putInt(name.length).put(name).putLong(seqs[0]).putLong(seqs[1]);
        }
        return buf.array();
    }

    static Map<String, long[]> decodeAuthors(byte[] stored) {
        ByteBuffer buf = ByteBuffer.wrap(stored);
        int count = buf.getInt();
        Map<String, long[]> out = new HashMap<>();
        for (int i = 0; i < count; i++) {
            byte[] name = new byte[buf.getInt()];
            buf.get(name);
            out.put(new String(name, StandardCharsets.UTF_8), new long[] {buf.getLong(), buf.getLong()});
        }
        return out;
    }

    /**
     * A chunk: consecutive log entries stored as one record, keyed by the position of its first
     * entry. One record per chunk instead of per entry is what lets a group commit of thousands of
     * entries cost a handful of B-tree updates. Layout: {@code int count, int[count+1] offsets,
     * entries}.
     */
    static byte[] encodeChunk(List<byte[]> entries) {
        int header = 4 + 4 * (entries.size() + 1);
        int size = header;
        for (byte[] e : entries) {
            size += e.length;
        }
        ByteBuffer buf = ByteBuffer.allocate(size);
        buf.putInt(entries.size());
        int offset = header;
        for (byte[] e : entries) {
            buf.putInt(offset);
            offset += e.length;
        }
        buf.putInt(offset);
        for (byte[] e : entries) {
            buf.put(e);
        }
        return buf.array();
    }

    static int chunkCount(byte[] chunk) {
        return ByteBuffer.wrap(chunk).getInt(0);
    }

    /** The {@code index}-th entry of a chunk, in its stored form. */
    static byte[] chunkEntry(byte[] chunk, int index) {
        ByteBuffer buf = ByteBuffer.wrap(chunk);
        int count = buf.getInt(0);
        if (index < 0 || index >= count) {
            throw new IllegalStateException("chunk of " + count + " entries has no entry " + index);
        }
        int from = buf.getInt(4 + 4 * index);
        int to = buf.getInt(4 + 4 * (index + 1));
        byte[] out = new byte[to - from];
        System.arraycopy(chunk, from, out, 0, out.length);
        return out;
    }

    /**
     * The key of an author's change set. Length-prefixed so that no two (author, seq) pairs share
     * a key whatever characters an author id holds.
     */
    static String seqKey(String author, long seq) {
        return author.length() + ":" + author + "#" + seq;
    }

    /**
     * The prefix shared by exactly the entity keys of one namespace: the length prefix keeps
     * "ab" + "c..." apart from "abc" + "...", and within a namespace keys sort as
     * {@link String#compareTo} sorts them.
     */
    static String entityPrefix(String namespace) {
        return namespace.length() + ":" + namespace;
    }

    static String entityKey(String namespace, String key) {
        return entityPrefix(namespace) + key;
    }
}
