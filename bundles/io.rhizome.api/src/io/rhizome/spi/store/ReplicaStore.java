package io.rhizome.spi.store;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * The node's durable storage, contributed as an OSGi service with {@value #KIND_PROPERTY}
 * (for example {@code mapdb}). The engine uses exactly one store: the highest-ranking one. A
 * store's service is registered only while its files are open and usable.
 *
 * <p><b>What it holds.</b>
 * <ul>
 * <li>The <em>log</em>: an append-only sequence of {@link LogEntry log entries}, each an opaque
 * encoded change set of one <em>stream</em> and numbered per stream ({@code seq} = 1, 2, 3, ...). A
 * stream id is {@code namespace|deviceId}: what one device wrote in one namespace (see
 * {@link LogEntry#stream()}); the store treats it as an opaque string. The store assigns each
 * appended entry a local {@code position} (0, 1, 2, ... in append order, never reused) and indexes
 * entries by position and by (stream, seq).</li>
 * <li><em>Metadata spaces</em> ({@link #metadata}): small durable values, each space owned by one
 * bundle or one part of the engine and physically apart from every other space.</li>
 * <li><em>Store metadata</em> ({@link #meta}): small named values of the engine that can be
 * updated in the same atomic step as an append.</li>
 * <li><em>Checkpoints</em> of materialised entity states: encoded CRDT states saved together with
 * the log position they include, so that start-up replays only the log after it.</li>
 * </ul>
 *
 * <p><b>Durability and atomicity.</b> Every mutating method is atomic — after a crash (even
 * {@code kill -9}) either all of its effect is visible or none — and durable when it returns.
 * Implementations should group concurrent calls into one commit (group commit) so that many
 * concurrent appends cost one sync to disk.
 *
 * <p><b>Threading.</b> Thread-safe; any method may be called concurrently.
 *
 * <p><b>Failure.</b> I/O problems throw {@link StoreException} with a message naming the file and
 * the problem; nothing of the failed call is applied.
 *
 * <p><b>Versioning:</b> Implemented by store plugins ({@code io.rhizome.store.mapdb}) and called
 * by the engine: {@code @ConsumerType}: adding a method to it is a major change of this package.
 *
 * @since 0.1
 */
@ConsumerType
public interface ReplicaStore {

    /** The service property that names the kind of store. */
    String KIND_PROPERTY = "store.kind";

    /** Where the store keeps its data, for status output (a folder path, say). */
    String location();

    /**
     * Appends entries to the log and applies metadata updates, atomically and durably.
     * Entries whose (stream, seq) the log already holds are skipped (idempotent re-delivery).
     *
     * @param entries    in the order they must take in the log
     * @param metaUpdates values to set in the same atomic step (an empty array clears a value)
     * @return the entries actually appended, with their positions, in order
     */
    List<LogEntry> append(List<NewEntry> entries, Map<String, byte[]> metaUpdates) throws StoreException;

    /**
     * Up to {@code maxEntries} log entries starting at {@code fromPosition}, in position order,
     * stopping early once {@code maxBytes} of payload is reached (but always at least one entry if
     * any exists at or after {@code fromPosition}).
     */
    List<LogEntry> read(long fromPosition, int maxEntries, long maxBytes) throws StoreException;

    /** The entry of a stream's {@code seq}-th change set, if the log holds it. */
    Optional<LogEntry> get(String stream, long seq) throws StoreException;

    /** The position the next appended entry will get (= number of entries ever appended). */
    long head();

    /**
     * For every stream in the log, the highest seq such that all of 1..seq are in the log. (The
     * engine never appends a stream's seq n+1 before n, so this is the highest seq.)
     */
    Map<String, Long> streamSeqs() throws StoreException;

    /**
     * The metadata space of {@code owner}, created empty when first written. Spaces of different
     * owners never share a key, and none of them shares a key with {@link #meta}. The engine asks
     * for its own spaces here; bundles get theirs as the bundle-scoped {@link MetadataSpace}
     * service, which the store's bundle registers.
     *
     * @since 0.1
     */
    MetadataSpace metadata(MetadataOwner owner);

    /** A metadata value; empty when unset or set to an empty array. */
    Optional<byte[]> meta(String name) throws StoreException;

    /** Every metadata entry whose name starts with {@code prefix}, sorted by name. */
    Map<String, byte[]> metaWithPrefix(String prefix) throws StoreException;

    /** Sets metadata values atomically and durably (an empty array clears a value). */
    void putMeta(Map<String, byte[]> updates) throws StoreException;

    /**
     * Saves materialised entity states that include every log entry before
     * {@code includesLogUpTo}, atomically with that position. An empty state array deletes the
     * entity's checkpoint.
     */
    void checkpoint(Map<EntityRef, byte[]> states, long includesLogUpTo) throws StoreException;

    /** The checkpointed state of an entity. */
    Optional<byte[]> entityState(EntityRef entity) throws StoreException;

    /** The keys of a namespace that have a checkpointed state, sorted. */
    List<String> checkpointedKeys(String namespace) throws StoreException;

    /** The log position the checkpoints include everything before (0 when none was taken). */
    long checkpointPosition() throws StoreException;
}
