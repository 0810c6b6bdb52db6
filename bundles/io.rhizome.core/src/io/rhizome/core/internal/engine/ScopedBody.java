package io.rhizome.core.internal.engine;

import java.util.List;

/**
 * The sealed content of a {@link ScopedEnvelope}.
 *
 * @param hlc    packed HLC time of the change set it stands for (what {@code age} clauses test)
 * @param states per matching entity: key, {@code crdt.type} and the full encoded state
 *               ({@code CrdtReplica.encodeState}), merged by the receiver
 */
public record ScopedBody(long hlc, List<ChangeSet.Op> states) {
    public ScopedBody {
        states = states == null ? List.of() : List.copyOf(states);
    }
}
