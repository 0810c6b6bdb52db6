package io.rhizome.core.internal.component;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;

import io.rhizome.core.internal.engine.EngineListener.EntityChange;
import io.rhizome.core.internal.sync.SyncEvents;

/** Posts node events asynchronously on EventAdmin topics {@code io/rhizome/sync/*}, when EventAdmin is present. */
final class EventAdminEvents implements SyncEvents {

    private final Supplier<EventAdmin> eventAdmin;

    EventAdminEvents(Supplier<EventAdmin> eventAdmin) {
        this.eventAdmin = eventAdmin;
    }

    private void post(String topic, Map<String, Object> props) {
        EventAdmin ea = eventAdmin.get();
        if (ea != null) {
            ea.postEvent(new Event(topic, props));
        }
    }

    @Override
    public void peerConnected(String peerId, String transport) {
        post(TOPIC_PEER_CONNECTED, Map.of("peer", peerId, "transport", transport));
    }

    @Override
    public void peerDisconnected(String peerId, String reason) {
        post(TOPIC_PEER_DISCONNECTED, Map.of("peer", peerId, "reason", reason));
    }

    @Override
    public void syncCompleted(String peerId) {
        post(TOPIC_SYNC_COMPLETED, Map.of("peer", peerId));
    }

    @Override
    public void error(String peerId, String code, String message) {
        post(TOPIC_ERROR, Map.of("peer", peerId, "code", code, "message", message));
    }

    @Override
    public void heldBack(String peerId, String direction, String stream, java.util.Optional<String> reason) {
        Map<String, Object> props = new HashMap<>();
        props.put("peer", peerId);
        props.put("direction", direction);
        props.put("stream", stream);
        props.put("heldBack", reason.isPresent());
        reason.ifPresent(r -> props.put("reason", r));
        post(TOPIC_HELD_BACK, props);
    }

    @Override
    public void entitiesUpdated(List<EntityChange> changes) {
        Map<String, Object> props = new HashMap<>();
        props.put("count", changes.size());
        props.put("namespaces", changes.stream().map(EntityChange::namespace).distinct().toArray(String[]::new));
        props.put("keys", changes.stream().map(c -> c.namespace() + "/" + c.key()).distinct().limit(1000).toArray(String[]::new));
        post(TOPIC_ENTITIES_UPDATED, props);
    }
}
