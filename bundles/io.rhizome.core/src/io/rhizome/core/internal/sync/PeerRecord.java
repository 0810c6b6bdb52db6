package io.rhizome.core.internal.sync;

import java.util.List;
import java.util.Map;

/**
 * What this node remembers about a peer, persisted in the store's metadata.
 *
 * @param peerId     the peer's device id
 * @param acked      versions the peer acknowledged having (stream → seq)
 * @param cursor     log position before which the peer has everything it is allowed to receive
 * @param lastSeen   epoch millis of its last message, 0 if never
 * @param addresses  where to reach it: {@code kind} + {@code address} pairs
 * @param lastSync   epoch millis of the last completed exchange with it (a batch acknowledged either way), 0 if never
 * @param withheld   the first log position the sync policy withheld from it and under which decisions, or null if
 *                   none (records written before this field read as null)
 */
public record PeerRecord(String peerId, Map<String, Long> acked, long cursor, long lastSeen, List<Address> addresses, long lastSync,
        Withheld withheld) {

    public PeerRecord {
        acked = acked == null ? Map.of() : Map.copyOf(acked);
        addresses = addresses == null ? List.of() : List.copyOf(addresses);
    }

    public PeerRecord(String peerId, Map<String, Long> acked, long cursor, long lastSeen, List<Address> addresses) {
        this(peerId, acked, cursor, lastSeen, addresses, 0, null);
    }

    public static PeerRecord fresh(String peerId) {
        return new PeerRecord(peerId, Map.of(), 0, 0, List.of(), 0, null);
    }

    public PeerRecord withLastSeen(long millis) {
        return new PeerRecord(peerId, acked, cursor, millis, addresses, lastSync, withheld);
    }

    public PeerRecord withLastSync(long millis) {
        return new PeerRecord(peerId, acked, cursor, lastSeen, addresses, millis, withheld);
    }

    public PeerRecord withAddresses(List<Address> list) {
        return new PeerRecord(peerId, acked, cursor, lastSeen, list, lastSync, withheld);
    }

    /**
     * What the sync policy withheld from the peer: the first log position, and the decisions it was
     * withheld under ({@code Outbox.decisions()}). After a restart the outbox looks at it again if the
     * decisions are not the same any more, and keeps it to look at again when they change.
     */
    public record Withheld(long from, String under) {
    }

    /** A transport address of a peer. */
    public record Address(String kind, String address) {
    }
}
