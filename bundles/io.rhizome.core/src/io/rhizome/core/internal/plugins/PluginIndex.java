package io.rhizome.core.internal.plugins;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import io.rhizome.api.PluginInfo;
import io.rhizome.api.PluginKind;

/**
 * The set of installed plugin services, keyed by service id. Thread-safe: DS binds and unbinds
 * dynamic references on arbitrary threads while readers take snapshots.
 */
public final class PluginIndex {

    static final Comparator<PluginInfo> ORDER = Comparator.comparing(PluginInfo::kind)
            .thenComparing(PluginInfo::name)
            .thenComparing(Comparator.comparingInt(PluginInfo::ranking).reversed())
            .thenComparingLong(PluginInfo::serviceId);

    private final ConcurrentMap<Long, PluginInfo> byServiceId = new ConcurrentHashMap<>();

    /** Adds or replaces (on a properties update) the entry of a service. */
    public void put(PluginInfo info) {
        byServiceId.put(info.serviceId(), info);
    }

    /** Removes a service's entry; unknown ids are ignored. */
    public void remove(long serviceId) {
        byServiceId.remove(serviceId);
    }

    public List<PluginInfo> all() {
        List<PluginInfo> list = new ArrayList<>(byServiceId.values());
        list.sort(ORDER);
        return List.copyOf(list);
    }

    public List<PluginInfo> ofKind(PluginKind kind) {
        List<PluginInfo> list = new ArrayList<>();
        for (PluginInfo info : byServiceId.values()) {
            if (info.kind() == kind) {
                list.add(info);
            }
        }
        list.sort(ORDER);
        return List.copyOf(list);
    }
}
