package io.rhizome.core.internal.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.core.internal.protocol.Message;
import io.rhizome.core.internal.protocol.ProtocolException;
import io.rhizome.spi.crdt.CrdtDecodeException;
import io.rhizome.spi.crdt.CrdtReplica;
import io.rhizome.spi.policy.SyncPolicy;
import io.rhizome.spi.store.EntityRef;
import io.rhizome.spi.store.NewEntry;
import io.rhizome.spi.store.StoreException;

/**
 * Applies a batch from a peer on the engine thread: validated first ({@link IncomingCheck}, no
 * replica changes), then applied without snapshots; if applying fails half-way, the touched
 * entities are rebuilt ({@link Recovery#rebuild}).
 */
final class RemoteApplier {

    private static final Logger LOG = LoggerFactory.getLogger(RemoteApplier.class);

    private final ReplicaCache cache;
    private final IncomingCheck incoming;
    private final Recovery recovery;
    private final Supplier<Optional<SyncPolicy>> policy;
    private final Map<String, Long> versions;
    private final AtomicLong rejected;
    /** Engine thread only: per peer, the streams whose last change set from it was refused. */
    private final Map<String, Set<String>> refusedFrom = new HashMap<>();

    /** Change sets from a backup are the user's own, opened with the recovery words. */
    private static final SyncPolicy RESTORE_POLICY = new SyncPolicy() {
        @Override
        public Decision canSend(String peerId, String namespace) {
            return Decision.deny("a restore sends nothing");
        }

        @Override
        public Decision canReceive(String peerId, String namespace, String authorDeviceId) {
            return Decision.ALLOW;
        }
    };

    RemoteApplier(ReplicaCache cache, IncomingCheck incoming, Recovery recovery, Supplier<Optional<SyncPolicy>> policy,
            Map<String, Long> versions, AtomicLong rejected) {
        this.cache = cache;
        this.incoming = incoming;
        this.recovery = recovery;
        this.policy = policy;
        this.versions = versions;
        this.rejected = rejected;
    }

    /** Applies the batch to the replicas and adds its change sets to {@code out}; under the replica lock. */
    void apply(String peerId, List<Inbox.Decoded> entries, CompletableFuture<Inbox.Received> done, GroupOutcome out)
            throws ProtocolException {
        Optional<SyncPolicy> p = Inbox.RESTORE_SOURCE.equals(peerId) ? Optional.of(RESTORE_POLICY) : policy.get();
        if (p.isEmpty()) {
            throw new ProtocolException(ProtocolException.REFUSED, "this node has no sync policy installed and accepts nothing");
        }
        // Phase 1: validate everything; no replica changes. Refused streams are left out.
        // Streams refused from this peer before: the rest of one of them, sent before the peer
        // knew, is refused with it instead of being a gap that refuses the whole batch.
        Set<String> refusedBefore = refusedFrom.computeIfAbsent(peerId, x -> new HashSet<>());
        IncomingCheck.Result result;
        try {
            result = incoming.check(peerId, entries, p.get(), out.pending, refusedBefore);
        } catch (BatchRefusedException e) {
            e.refusals().forEach(r -> refusedBefore.add(r.stream()));
            throw e;
        }
        result.refusals().forEach(r -> refusedBefore.add(r.stream()));
        // Counted like refused batches: a catalog change then asks peers again (see Node).
        rejected.addAndGet(result.refusals().size());
        refusedBefore.removeAll(result.pending().keySet());
        for (Message.Refusal r : result.refusals()) {
            LOG.warn("peer {}: refused stream {} from #{} on (the rest of the batch goes on): [{}] {}", peerId, r.stream(),
                    r.seq(), r.code(), r.message());
        }
        List<IncomingCheck.Checked> checked = result.checked();
        // Phase 2: apply. No snapshots on the way (they cost an encoded state per entity per
        // batch): CrdtReplica.apply/merge are atomic per call, and if one fails, the entities the
        // batch touched are rebuilt from their checkpoint, the log after it and this group's
        // earlier entries — the state before the batch. Failures are rare (a well-signed but
        // undecodable op); the rebuild replays at most Config.checkpointEvery change sets.
        List<EntityRef> touched = new ArrayList<>(checked.size());
        IncomingCheck.Checked current = null;
        try {
            for (IncomingCheck.Checked c : checked) {
                current = c;
                boolean ops = c.changeSet() != null;
                for (ChangeSet.Op op : c.items()) {
                    EntityRef ref = new EntityRef(c.namespace(), op.key());
                    touched.add(ref);
                    CrdtReplica replica = cache.replicaFor(ref, c.type());
                    if (ops) {
                        replica.apply(op.op());
                    } else {
                        replica.merge(op.op());
                    }
                }
            }
        } catch (CrdtDecodeException e) {
            recovery.rebuild(new HashSet<>(touched), out.entries);
            throw new ProtocolException(ProtocolException.INVALID_CHANGE_SET, "change set " + current.stream() + "#" + current.seq()
                    + ": an operation could not be applied: " + e.getMessage());
        } catch (StoreException e) {
            recovery.rebuild(new HashSet<>(touched), out.entries);
            throw new ProtocolException(ProtocolException.UNAVAILABLE, "storage failure: " + e.getMessage());
        } catch (RuntimeException e) {
            recovery.rebuild(new HashSet<>(touched), out.entries);
            throw e;
        }
        int t = 0;
        for (IncomingCheck.Checked c : checked) {
            out.entries.add(new NewEntry(c.stream(), c.seq(), c.raw()));
            for (int i = c.items().size(); i > 0; i--) {
                EntityRef ref = touched.get(t++);
                out.changes.add(new EngineListener.EntityChange(ref.namespace(), ref.key(), false, c.author()));
            }
        }
        out.pending.putAll(result.pending());
        out.remoteCount += checked.size();
        cache.changed(touched);
        int dups = result.duplicates();
        int applied = checked.size();
        List<Message.Refusal> refusals = result.refusals();
        out.onDurable.add(() -> done.complete(new Inbox.Received(applied, dups, Map.copyOf(versions), refusals)));
    }
}
