package io.rhizome.core.internal.engine;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.core.internal.engine.ChangeSetCodec.InvalidChangeSetException;
import io.rhizome.core.internal.engine.ChangeSetSealer.SealException;
import io.rhizome.spi.crdt.CrdtDecodeException;
import io.rhizome.spi.crdt.CrdtReplica;
import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.store.EntityRef;
import io.rhizome.spi.store.LogEntry;
import io.rhizome.spi.store.NewEntry;
import io.rhizome.spi.store.ReplicaStore;
import io.rhizome.spi.store.StoreException;

/**
 * Brings the replicas back to what the store holds: all of them on start and after a store
 * failure ({@link #recover}: the last checkpoint plus a replay of the log after it), or a few
 * entities after a unit of work failed half-way ({@link #rebuild}).
 */
final class Recovery {

    private static final Logger LOG = LoggerFactory.getLogger(Recovery.class);

    private final ReplicaStore store;
    private final ReplicaCache cache;
    private final Map<String, Long> versions;
    private final Checkpointer checkpointer;
    private final Supplier<ChangeSetSealer> sealer;
    private final ChangeSetCodec codec;

    Recovery(ReplicaStore store, ReplicaCache cache, Map<String, Long> versions, Checkpointer checkpointer,
            Supplier<ChangeSetSealer> sealer, ChangeSetCodec codec) {
        this.store = store;
        this.cache = cache;
        this.versions = versions;
        this.checkpointer = checkpointer;
        this.sealer = sealer;
        this.codec = codec;
    }

    /** Rebuilds the whole in-memory state from the store. */
    void recover() throws StoreException {
        cache.lock.lock();
        try {
            cache.clear();
            versions.clear();
            versions.putAll(store.streamSeqs());
            long position = store.checkpointPosition();
            long head = store.head();
            long replayed = 0;
            while (position < head) {
                List<LogEntry> chunk = store.read(position, 1024, 8L << 20);
                if (chunk.isEmpty()) {
                    break;
                }
                for (LogEntry entry : chunk) {
                    replay(entry.payload(), entry.position(), entry.stream(), entry.seq(), null);
                    replayed++;
                    position = entry.position() + 1;
                }
            }
            checkpointer.replayed(replayed);
            if (replayed > 0) {
                LOG.info("recovered {}: replayed {} change set(s) after the checkpoint", store.location(), replayed);
            }
        } finally {
            cache.lock.unlock();
        }
    }

    /** {@link #recover}, logging instead of throwing (the caller already reports a failure). */
    void recoverOrLog() {
        try {
            recover();
        } catch (StoreException re) {
            LOG.error("recovery from the store failed: {}", re.getMessage());
        }
    }

    /**
     * Puts entities back to their state before the current unit of work: each is dropped from
     * memory and rebuilt from its checkpoint, the durable log after the checkpoint and the entries
     * of this group that precede the unit. An entity none of those touches stays absent.
     */
    void rebuild(Set<EntityRef> refs, List<NewEntry> groupEntries) {
        if (refs.isEmpty()) {
            return;
        }
        for (EntityRef ref : refs) {
            cache.drop(ref);
        }
        try {
            long position = store.checkpointPosition();
            long head = store.head();
            while (position < head) {
                List<LogEntry> chunk = store.read(position, 1024, 8L << 20);
                if (chunk.isEmpty()) {
                    break;
                }
                for (LogEntry entry : chunk) {
                    replay(entry.payload(), entry.position(), entry.stream(), entry.seq(), refs);
                    position = entry.position() + 1;
                }
            }
            for (NewEntry e : groupEntries) {
                replay(e.payload(), -1, e.stream(), e.seq(), refs);
            }
        } catch (StoreException e) {
            // The entities stay dropped from memory; the next read loads their checkpoint. Rebuild
            // everything from the store instead, which is what a store failure does anyway.
            LOG.error("could not rebuild {} entit(ies) after a refused batch: {}; recovering from the store", refs.size(), e.getMessage());
            recoverOrLog();
        }
    }

    /** Applies a logged entry to the replicas; with {@code only}, to those entities only. */
    private void replay(byte[] payload, long position, String stream, long seq, Set<EntityRef> only) throws StoreException {
        try {
            LogRecord decoded = codec.decodeEntry(payload);
            LogBody body = decoded.open(sealer.get(), codec);
            String namespace = decoded.namespace();
            boolean merge = body.merges();
            for (ChangeSet.Op op : body.items()) {
                EntityRef ref = new EntityRef(namespace, op.key());
                if (only != null && !only.contains(ref)) {
                    continue;
                }
                Optional<CrdtType> type = cache.type(op.type());
                if (type.isEmpty()) {
                    LOG.warn("cannot replay {}#{} on {}: CRDT type '{}' is not installed", stream, seq, op.key(), op.type());
                    continue;
                }
                CrdtReplica r = cache.getOrLoad(ref, type.get());
                if (merge) {
                    r.merge(op.op());
                } else {
                    r.apply(op.op());
                }
                cache.changed(ref);
            }
        } catch (InvalidChangeSetException | SealException | CrdtDecodeException e) {
            LOG.error("log entry {} ({}#{}) cannot be replayed: {}", position, stream, seq, e.getMessage());
        }
    }
}
