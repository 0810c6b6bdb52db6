package io.rhizome.core.internal.engine;

import java.util.List;

/** What the engine tells the rest of the node. Called on engine threads; must not block. */
public interface EngineListener {

    /** Entities changed durably (local writes or applied remote change sets). */
    default void entitiesChanged(List<EntityChange> changes) {
    }

    /**
     * One changed entity.
     *
     * @param local  whether this node wrote it (false: it came from a peer)
     * @param author the device that wrote it
     */
    record EntityChange(String namespace, String key, boolean local, String author) {
    }
}
