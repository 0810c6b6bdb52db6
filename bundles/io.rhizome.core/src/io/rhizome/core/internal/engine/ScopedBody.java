package io.rhizome.core.internal.engine;

import java.util.List;

/**
 * The sealed content of a {@link ScopedEnvelope}.
 *
 * @param hlc    packed HLC time of the change set it stands for (what {@code age} clauses test)
 * @param clock  the sender's clock when it read the states (packed HLC): the states may include
 *               later changes than {@code hlc}, and the receiver's clock must pass them all, so
 *               that its next writes order after everything it now holds
 * @param states per matching entity: key, {@code crdt.type} and the full encoded state
 *               ({@code CrdtReplica.encodeState}), merged by the receiver
 */
public record ScopedBody(long hlc, long clock, List<ChangeSet.Op> states) implements LogBody {
    public ScopedBody {
        states = states == null ? List.of() : List.copyOf(states);
    }

    @Override
    public List<ChangeSet.Op> items() {
        return states;
    }

    @Override
    public boolean merges() {
        return true;
    }
}
