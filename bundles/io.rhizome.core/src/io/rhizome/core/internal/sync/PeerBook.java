package io.rhizome.core.internal.sync;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.rhizome.spi.store.MetadataSpace;
import io.rhizome.spi.store.StoreException;

/** Peer records, kept in memory and persisted in the engine's {@code peers} metadata space, one key per peer id (JSON). */
public final class PeerBook {

    private static final Logger LOG = LoggerFactory.getLogger(PeerBook.class);
    private final MetadataSpace store;
    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, PeerRecord> peers = new ConcurrentHashMap<>();

    public PeerBook(MetadataSpace store) throws StoreException {
        this.store = store;
        for (Map.Entry<String, byte[]> e : store.scan("").entrySet()) {
            try {
                PeerRecord r = json.readValue(e.getValue(), PeerRecord.class);
                peers.put(r.peerId(), r);
            } catch (IOException ex) {
                LOG.warn("ignoring unreadable peer record {}: {}", e.getKey(), ex.getMessage());
            }
        }
    }

    public Optional<PeerRecord> get(String peerId) {
        return Optional.ofNullable(peers.get(peerId));
    }

    public PeerRecord getOrFresh(String peerId) {
        return peers.getOrDefault(peerId, PeerRecord.fresh(peerId));
    }

    public List<PeerRecord> all() {
        return new ArrayList<>(peers.values());
    }

    /** Updates a record in memory; {@link #persist} writes it. */
    public void put(PeerRecord record) {
        peers.put(record.peerId(), record);
    }

    /** Drops a peer's record, in memory and in the store. */
    public void remove(String peerId) {
        peers.remove(peerId);
        try {
            store.delete(peerId);
        } catch (StoreException e) {
            LOG.warn("could not delete the record of peer {}: {}", peerId, e.getMessage());
        }
    }

    public void persist(String peerId) {
        PeerRecord r = peers.get(peerId);
        if (r == null) {
            return;
        }
        try {
            store.put(peerId, json.writeValueAsString(r).getBytes(StandardCharsets.UTF_8));
        } catch (IOException | StoreException e) {
            LOG.warn("could not persist the record of peer {}: {}", peerId, e.getMessage());
        }
    }
}
