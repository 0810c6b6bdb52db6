package io.rhizome.core.internal.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.rhizome.spi.store.NewEntry;

/** What one group of work adds, collected on the engine thread and published once it is durable. */
final class GroupOutcome {
    /** The change sets to log, in order. */
    final List<NewEntry> entries = new ArrayList<>();
    final List<EngineListener.EntityChange> changes = new ArrayList<>();
    /** One completion per accepted unit of work, in group order. */
    final List<Runnable> onDurable = new ArrayList<>();
    /** The stream versions once the group is durable. */
    final Map<String, Long> pending = new HashMap<>();
    int localCount;
    int remoteCount;

    GroupOutcome(Map<String, Long> versions) {
        pending.putAll(versions);
    }
}
