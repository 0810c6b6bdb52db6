package io.rhizome.core.internal.sync;

import java.util.List;
import java.util.Optional;

import io.rhizome.core.internal.engine.EngineListener.EntityChange;

/** Node events, published by the DS layer on EventAdmin topics {@code io/rhizome/sync/*}. */
public interface SyncEvents {

    String TOPIC_PEER_CONNECTED = "io/rhizome/sync/PEER_CONNECTED";
    String TOPIC_PEER_DISCONNECTED = "io/rhizome/sync/PEER_DISCONNECTED";
    String TOPIC_SYNC_COMPLETED = "io/rhizome/sync/SYNC_COMPLETED";
    String TOPIC_ERROR = "io/rhizome/sync/ERROR";
    String TOPIC_ENTITIES_UPDATED = "io/rhizome/sync/ENTITIES_UPDATED";
    String TOPIC_HELD_BACK = "io/rhizome/sync/HELD_BACK";

    default void peerConnected(String peerId, String transport) {
    }

    default void peerDisconnected(String peerId, String reason) {
    }

    default void syncCompleted(String peerId) {
    }

    default void error(String peerId, String code, String message) {
    }

    default void entitiesUpdated(List<EntityChange> changes) {
    }

    /**
     * A stream ({@code namespace|author}) stopped flowing to or from a peer ({@code direction}
     * {@code outgoing} or {@code incoming}) for {@code reason}, or flows again (reason empty).
     */
    default void heldBack(String peerId, String direction, String stream, Optional<String> reason) {
    }

    SyncEvents NONE = new SyncEvents() {
    };

    /** Both sinks, in order. */
    static SyncEvents both(SyncEvents a, SyncEvents b) {
        SyncEvents first = a == null ? NONE : a;
        return new SyncEvents() {
            @Override
            public void peerConnected(String peerId, String transport) {
                first.peerConnected(peerId, transport);
                b.peerConnected(peerId, transport);
            }

            @Override
            public void peerDisconnected(String peerId, String reason) {
                first.peerDisconnected(peerId, reason);
                b.peerDisconnected(peerId, reason);
            }

            @Override
            public void syncCompleted(String peerId) {
                first.syncCompleted(peerId);
                b.syncCompleted(peerId);
            }

            @Override
            public void error(String peerId, String code, String message) {
                first.error(peerId, code, message);
                b.error(peerId, code, message);
            }

            @Override
            public void entitiesUpdated(List<EntityChange> changes) {
                first.entitiesUpdated(changes);
                b.entitiesUpdated(changes);
            }

            @Override
            public void heldBack(String peerId, String direction, String stream, Optional<String> reason) {
                first.heldBack(peerId, direction, stream, reason);
                b.heldBack(peerId, direction, stream, reason);
            }
        };
    }
}
