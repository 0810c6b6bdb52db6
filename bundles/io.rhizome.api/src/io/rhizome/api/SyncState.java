package io.rhizome.api;

/**
 * The coarse state of a node's synchronisation.
 *
 * @since 0.1
 */
public enum SyncState {
    /** Connected to at least one peer (or has nothing to exchange) and nothing is in flight. */
    IDLE,
    /** Exchanging events with at least one peer. */
    SYNCING,
    /** No transport is available or no peer is reachable; local writes are queued. */
    OFFLINE,
    /** The last sync attempt failed; see {@link SyncStatus#lastError()}. */
    ERROR;

    /** Lower-case name used on the wire and in JSON. */
    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
