package io.rhizome.transport.cloud;

import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A device's small replaceable file in its own folder: what it holds ({@code versions}, so writers
 * send it only what it lacks), how far it read each other device's channel ({@code read}: writer
 * folder → last batch number applied, which lets that writer compact), and where its own channels
 * stand ({@code written}: reader folder → log cursor, last batch number, what that reader holds
 * once it read them). {@code generation} grows with every write: a conflict copy or an older copy
 * that a sync client brings back loses to the newest.
 */
record Manifest(long generation, Map<String, Long> versions, Map<String, Long> read, Map<String, Channel> written) {

    static final String NAME = "manifest.rzm";
    static final Manifest EMPTY = new Manifest(0, Map.of(), Map.of(), Map.of());
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Where the channel to one reader stands. */
    record Channel(long cursor, long seq, Map<String, Long> peerHas) {
        static final Channel START = new Channel(0, 0, Map.of());
    }

    long readOf(String writerFolder) {
        return read.getOrDefault(writerFolder, 0L);
    }

    Channel channel(String readerFolder) {
        return written.getOrDefault(readerFolder, Channel.START);
    }

    Manifest next(Map<String, Long> versions, Map<String, Long> read, Map<String, Channel> written) {
        return new Manifest(generation + 1, new TreeMap<>(versions), new TreeMap<>(read), new TreeMap<>(written));
    }

    private static void numbers(String what, Map<String, Long> map) throws IOException {
        for (Map.Entry<String, Long> e : map.entrySet()) {
            if (e.getValue() == null) {
                throw new IOException("a manifest's " + what + " has no number for " + e.getKey());
            }
        }
    }

    byte[] encode() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new IllegalStateException("a manifest always encodes", e);
        }
    }

    /**
     * Decodes a manifest; {@link IOException} for anything that is not one, including a null where
     * a map or a number belongs (JSON {@code null} binds to a null {@code Long} or channel, which the
     * exchange would only find later, as a NullPointerException in its round).
     */
    static Manifest decode(byte[] bytes) throws IOException {
        Manifest m = JSON.readValue(bytes, Manifest.class);
        if (m == null || m.versions == null || m.read == null || m.written == null) {
            throw new IOException("a manifest lacks versions, read or written");
        }
        numbers("versions", m.versions);
        numbers("read", m.read);
        for (Map.Entry<String, Channel> e : m.written.entrySet()) {
            if (e.getValue() == null || e.getValue().peerHas == null) {
                throw new IOException("a manifest's channel to " + e.getKey() + " is null or lacks peerHas");
            }
            numbers("written." + e.getKey() + ".peerHas", e.getValue().peerHas);
        }
        return m;
    }
}
