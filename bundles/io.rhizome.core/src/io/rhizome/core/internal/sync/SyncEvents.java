package io.rhizome.core.internal.sync;

import java.util.List;

import io.rhizome.core.internal.engine.EngineListener.EntityChange;

/** Node events, published by the DS layer on EventAdmin topics {@code io/rhizome/sync/*}. */
public interface SyncEvents {

    String TOPIC_PEER_CONNECTED = "io/rhizome/sync/PEER_CONNECTED";
    String TOPIC_PEER_DISCONNECTED = "io/rhizome/sync/PEER_DISCONNECTED";
    String TOPIC_SYNC_COMPLETED = "io/rhizome/sync/SYNC_COMPLETED";
    String TOPIC_ERROR = "io/rhizome/sync/ERROR";
    String TOPIC_ENTITIES_UPDATED = "io/rhizome/sync/ENTITIES_UPDATED";

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

    SyncEvents NONE = new SyncEvents() {
    };
}
