package io.rhizome.rest.internal;

import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rhizome.api.PluginInfo;
import io.rhizome.api.PluginKind;
import io.rhizome.api.PluginRegistry;

/**
 * The {@code store} part of status: the replica store in use (its kind and location) and what its
 * last open found damaged and quarantined (records that did not open: never served; checkpoints are
 * rebuilt from the change-set log). Read from the store's service properties
 * ({@code store.quarantined}, {@code store.quarantineReports} one sentence per line, {@code store.quarantineKept}); a
 * store that does not publish them shows its kind and location only.
 */
final class StoreStatus {

    private StoreStatus() {
    }

    static Optional<ObjectNode> of(Optional<PluginRegistry> registry, ObjectMapper json) {
        Optional<PluginInfo> active = registry.flatMap(r -> r.plugins().stream()
                .filter(p -> p.kind() == PluginKind.REPLICA_STORE && p.active()).findFirst());
        if (active.isEmpty()) {
            return Optional.empty();
        }
        Map<String, Object> props = active.get().properties();
        ObjectNode o = json.createObjectNode();
        o.put("kind", String.valueOf(props.getOrDefault("store.kind", active.get().name())));
        if (props.get("store.location") != null) {
            o.put("location", props.get("store.location").toString());
        }
        if (props.get("store.quarantined") instanceof Number n) {
            o.put("quarantined", n.intValue());
            ArrayNode reports = o.putArray("quarantineReports");
            if (props.get("store.quarantineReports") instanceof String lines && !lines.isEmpty()) {
                lines.lines().forEach(reports::add);
            }
            if (props.get("store.quarantineKept") instanceof Number kept) {
                o.put("quarantineKept", kept.intValue());
            }
        }
        return Optional.of(o);
    }
}
