package io.rhizome.core.internal.engine;

import java.util.List;

/**
 * The opened body of a {@link LogRecord}: the author's operations ({@link ChangeSet}, applied) or
 * the states a node filtered for a selective namespace ({@link ScopedBody}, merged).
 */
public sealed interface LogBody permits ChangeSet, ScopedBody {

    /** Packed HLC time of the change set (what {@code age} scope clauses test). */
    long hlc();

    /** Per entity: key, {@code crdt.type} and the encoded operation or state. */
    List<ChangeSet.Op> items();

    /** Whether {@link #items()} are full states to merge ({@code false}: operations to apply). */
    boolean merges();
}
