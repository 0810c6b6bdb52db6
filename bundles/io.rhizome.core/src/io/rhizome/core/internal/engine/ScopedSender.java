package io.rhizome.core.internal.engine;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

import io.rhizome.api.clock.HlcTimestamp;
import io.rhizome.api.clock.HybridLogicalClock;
import io.rhizome.core.internal.engine.ChangeSetCodec.InvalidChangeSetException;
import io.rhizome.core.internal.engine.ChangeSetSealer.SealException;
import io.rhizome.spi.crdt.CrdtReplica;
import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.namespace.NamespaceDefinition;
import io.rhizome.spi.store.EntityRef;
import io.rhizome.spi.store.LogEntry;
import io.rhizome.spi.store.StoreException;

/** The sending side of selective sync: what a peer gets in place of a log entry of a selective namespace. */
final class ScopedSender {

    private final String deviceId;
    private final ReplicaCache cache;
    private final HybridLogicalClock clock;
    private final Supplier<ChangeSetSealer> sealer;
    private final ChangeSetCodec codec;

    ScopedSender(String deviceId, ReplicaCache cache, HybridLogicalClock clock, Supplier<ChangeSetSealer> sealer, ChangeSetCodec codec) {
        this.deviceId = deviceId;
        this.cache = cache;
        this.clock = clock;
        this.sealer = sealer;
        this.codec = codec;
    }

    /**
     * What a peer gets for one log entry of a selective namespace: a {@link ScopedEnvelope} for
     * the same stream position, carrying the current state of each entity the entry touches that
     * matches the predicate, sealed and signed by this node. Entities that do not match are left
     * out; an entry with none left is a pure skip. Every entry carries the states of its own
     * entities, even if an earlier entry of the same batch carried them already: the receiver
     * drops entries it holds (duplicates) unread, so a state must never rely on another entry.
     * Safe to call from any thread; waits while the engine applies a group that is not durable yet.
     *
     * @return the encoded scoped envelope
     * @throws StoreException if the entry cannot be read or the result cannot be sealed
     */
    byte[] scopedEntry(LogEntry entry, NamespaceDefinition def, ScopePredicate predicate) throws StoreException {
        Set<String> alreadySent = new HashSet<>(); // keys repeated inside this one entry
        LogRecord decoded;
        LogBody body;
        try {
            decoded = codec.decodeEntry(entry.payload());
            body = decoded.open(sealer.get(), codec);
        } catch (InvalidChangeSetException | SealException e) {
            throw new StoreException("log entry " + entry.stream() + "#" + entry.seq() + " cannot be read: " + e.getMessage(), e);
        }
        List<String> keys = new ArrayList<>();
        body.items().forEach(o -> keys.add(o.key()));
        String namespace = decoded.namespace();
        CrdtType type = cache.type(def.crdtType()).orElseThrow(() -> new StoreException("namespace '" + def.name()
                + "' needs CRDT type '" + def.crdtType() + "', which is not installed"));
        long changeMillis = HlcTimestamp.unpack(body.hlc()).wallMillis();
        long now = clock.now().wallMillis();
        List<ChangeSet.Op> states = new ArrayList<>();
        long readAt;
        cache.durable.readLock().lock();
        cache.lock.lock();
        try {
            readAt = clock.last().pack();
            for (String key : keys) {
                if (alreadySent.contains(key)) {
                    continue;
                }
                CrdtReplica r = cache.getOrLoad(new EntityRef(namespace, key), type);
                if (predicate.test(r.value(), changeMillis, now)) {
                    states.add(new ChangeSet.Op(key, def.crdtType(), r.encodeState()));
                    alreadySent.add(key);
                }
            }
        } finally {
            cache.lock.unlock();
            cache.durable.readLock().unlock();
        }
        try {
            return codec.encode(sealer.get().sealScoped(namespace, decoded.author(), decoded.seq(), deviceId, predicate.canonical(),
                    codec.encode(new ScopedBody(body.hlc(), readAt, states))));
        } catch (SealException e) {
            throw new StoreException("cannot seal the scoped entry for " + decoded.stream() + "#" + decoded.seq() + ": " + e.getMessage(), e);
        }
    }
}
