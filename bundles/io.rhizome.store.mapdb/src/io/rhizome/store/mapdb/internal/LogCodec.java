package io.rhizome.store.mapdb.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import io.rhizome.spi.store.LogEntry;
import io.rhizome.spi.store.NewEntry;

/** The stored form of a log entry and the keys of the store's maps. */
final class LogCodec {

    private LogCodec() {
    }

    static byte[] encode(NewEntry entry) {
        byte[] author = entry.author().getBytes(StandardCharsets.UTF_8);
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
