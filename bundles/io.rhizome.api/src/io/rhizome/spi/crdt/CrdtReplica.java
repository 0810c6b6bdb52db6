package io.rhizome.spi.crdt;

import org.osgi.annotation.versioning.ConsumerType;

import com.fasterxml.jackson.databind.JsonNode;

import io.rhizome.api.clock.HlcTimestamp;

/**
 * One replica of one entity of a CRDT type.
 *
 * <p><b>Operations</b> are the unit of replication: a local intent becomes an operation through
 * {@link #mutate}, which applies it locally and returns its encoding; the engine ships the bytes,
 * and every other replica applies them with {@link #apply}. {@code apply} is <em>idempotent</em>
 * (applying an operation twice changes nothing) and, for operations delivered in causal order,
 * <em>commutative</em>: replicas that applied the same set of operations have equal
 * {@link #value()}s, whatever the order. The engine guarantees causal delivery per entity.
 *
 * <p><b>States</b> serve snapshots and late joiners: {@link #encodeState()} captures everything,
 * {@link #merge} joins another replica's state into this one (commutative, associative, idempotent),
 * and {@link #deltaSince} returns the smallest state that brings a replica at a given version up to
 * date.
 *
 * <p><b>Atomicity:</b> {@code apply}, {@code merge} and {@code mutate} either succeed completely or
 * throw and leave the replica exactly as it was.
 *
 * <p><b>Threading:</b> not thread-safe; the engine confines a replica to one thread at a time.
 *
 * <p><b>Versioning:</b> Implemented by CRDT plugins and called by the engine:
 * {@code @ConsumerType}: adding a method to it is a major change of this package.
 *
 * @since 0.1
 */
@ConsumerType
public interface CrdtReplica {

    /** The name of this replica's type. */
    String typeName();

    /**
     * Turns a local intent into an operation, applies it, and returns the encoded operation.
     * Each type documents its intents; they are JSON objects with an {@code "op"} field, for example
     * {@code {"op":"increment","by":3}} or {@code {"op":"insert","index":4,"text":"abc"}}.
     *
     * @param intent    what the host wants to do
     * @param timestamp the engine's hybrid-logical-clock time for this write (used by LWW types)
     * @return the encoded operation, to be given to {@link #apply} on every other replica
     * @throws CrdtIntentException if the intent is not one this type understands, or is invalid
     *                             for the current value (an index out of range, say); nothing changes
     */
    byte[] mutate(JsonNode intent, HlcTimestamp timestamp) throws CrdtIntentException;

    /**
     * Applies an operation produced by {@link #mutate} on any replica of the same type. Applying an
     * operation this replica already has is a no-op.
     *
     * @throws CrdtDecodeException if the bytes are not a valid operation of this type, or refer to
     *                             things this replica cannot have seen under causal delivery; nothing
     *                             changes
     */
    void apply(byte[] operation) throws CrdtDecodeException;

    /** Everything this replica holds, for {@link CrdtType#decodeState} and {@link #merge}. */
    byte[] encodeState();

    /**
     * Joins another replica's state (from {@link #encodeState()} or {@link #deltaSince}) into this
     * one.
     *
     * @throws CrdtDecodeException if the bytes are not a valid state of this type; nothing changes
     */
    void merge(byte[] state) throws CrdtDecodeException;

    /** Which operations this replica has seen, per replica id. */
    VersionVector version();

    /**
     * A state that, merged into a replica that has seen {@code since}, makes it equal to this one.
     * Returning the full {@link #encodeState()} is always correct; types should do better.
     */
    default byte[] deltaSince(VersionVector since) {
        return encodeState();
    }

    /** The current value as JSON (a number, an array, an object, a string...). Never null. */
    JsonNode value();

    /**
     * The current value as an export writes it, from which {@link CrdtType#importIntents} rebuilds
     * the entity on another device. The default is {@link #value()}; a type whose value leaves out
     * what an import needs returns more (the built-in {@code or-map} adds each key's nested type).
     * Never null; a JSON null exactly when {@link #value()} is one.
     *
     * @since 0.1
     */
    default JsonNode exportValue() {
        return value();
    }

    /**
     * Drops metadata (tombstones, deleted content) for operations that every known replica has
     * seen. Must not change {@link #value()}. The default does nothing.
     *
     * @param seenByAll the version every known replica has reached
     */
    default void compact(VersionVector seenByAll) {
    }
}
