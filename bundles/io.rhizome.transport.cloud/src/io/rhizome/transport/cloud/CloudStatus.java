package io.rhizome.transport.cloud;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the exchange last did, per peer: when a batch from it was last applied, and the current
 * problem (a file waited for or not used, the budget reached), cleared by the next batch applied.
 * Safe to read from any thread.
 */
public final class CloudStatus {

    /** One peer's state. */
    public record Peer(long lastReceivedMillis, String problem, List<String> heldBack) {
    }

    private final Map<String, Peer> peers = new ConcurrentHashMap<>();
    private volatile long lastRoundMillis;
    private volatile Stored stored = new Stored(0, 0, 0);

    /** This device's own files in the cloud after the last round: batch files, snapshot files, and about how many bytes. */
    public record Stored(int batchFiles, int snapshotFiles, long bytes) {
    }

    void stored(int batchFiles, int snapshotFiles, long bytes) {
        stored = new Stored(batchFiles, snapshotFiles, bytes);
    }

    public Stored stored() {
        return stored;
    }

    void received(String peer, long now, List<String> heldBack) {
        peers.put(peer, new Peer(now, null, List.copyOf(heldBack)));
    }

    void problem(String peer, String problem) {
        peers.compute(peer, (k, p) -> new Peer(p == null ? 0 : p.lastReceivedMillis(), problem, p == null ? List.of() : p.heldBack()));
    }

    void roundDone(long now) {
        lastRoundMillis = now;
    }

    public long lastRoundMillis() {
        return lastRoundMillis;
    }

    public Map<String, Peer> peers() {
        return Map.copyOf(peers);
    }
}
