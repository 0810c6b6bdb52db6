package io.rhizome.core.internal.engine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.policy.SyncPolicy;
import io.rhizome.spi.store.LogEntry;
import io.rhizome.spi.store.ReplicaStore;
import io.rhizome.spi.store.StoreException;

/**
 * What leaves this replica for one peer: the sealed change sets it lacks, in log order, from a
 * cursor (a log position) and what the peer is known to hold, in batches of at most a given size.
 * Any transport uses it the same way — a live session sends each {@link Batch} as an
 * {@code EventBatch}, a store-and-forward transport (a cloud folder, a relay) writes it as bytes
 * for the peer to pick up — and tells it what the peer acknowledged ({@link #acknowledge}).
 *
 * <p>Only what the peer may receive leaves: the namespaces the policy, the peer's subscription and
 * the scope allow; a selective namespace's entries are cut down to the matching entities' states
 * (see {@link ScopedSender}). Streams the caller holds back (refused by the peer) are skipped.
 *
 * <p>New log entries are handed to every open outbox as they become durable (no re-read of the
 * log while the peer keeps up); the outbox then calls the {@code wake} it was opened with.
 *
 * <p><b>Threading.</b> One caller at a time (a session's serial executor); {@link #known()} is
 * safe from any thread. {@code wake} runs on the engine thread and must not block.
 */
public final class Outbox implements AutoCloseable {

    /** One batch: the sealed change sets, where each stream starts in it, and the cursor after it. */
    public record Batch(List<byte[]> changeSets, Map<String, First> firsts, long endCursor, long bytes) {
    }

    /** Where a stream starts in a batch: log position and change-set number. */
    public record First(long position, long seq) {
    }

    /** A change set larger than the link carries: never sent; the caller holds its stream back. */
    public record TooLarge(String stream, long seq, long position, int bytes) {
    }

    /** Log entries recently appended, kept while they fit, so that a peer keeping up needs no log read. */
    private static final long TAIL_BYTES = 8L << 20;

    private final String peerId;
    private final ReplicaStore store;
    private final ScopedSender scoped;
    private final NamespaceCatalog catalog;
    private final Function<String, Optional<CrdtType>> types;
    private final Supplier<Optional<SyncPolicy>> policy;
    /** The first log position the policy withheld from the peer since {@link #decidedBy} at {@link #decidedVersion} decided. */
    private long withheldFrom = Long.MAX_VALUE;
    private SyncPolicy decidedBy;
    private long decidedVersion;
    /** While a look again at withheld entries is under way: the cursor it goes back to (before that, entries are not looked at yet). */
    private long revisitUntil = -1;
    private final Runnable wake;
    private final Outboxes registry;
    private final Map<String, Long> known = new ConcurrentHashMap<>();
    private final ArrayDeque<LogEntry> tail = new ArrayDeque<>();
    private long tailBytes;
    private long cursor;

    Outbox(String peerId, ReplicaStore store, ScopedSender scoped, NamespaceCatalog catalog, Function<String, Optional<CrdtType>> types,
            Supplier<Optional<SyncPolicy>> policy, Runnable wake, Outboxes registry) {
        this.peerId = peerId;
        this.store = store;
        this.scoped = scoped;
        this.catalog = catalog;
        this.types = types;
        this.policy = policy;
        this.wake = wake;
        this.registry = registry;
    }

    /** Starts over from {@code from}: the peer holds exactly {@code peerHas} (what it said just now). */
    public void restart(long from, Map<String, Long> peerHas) {
        known.clear();
        peerHas(peerHas);
        cursor = from;
    }

    /** Goes back to {@code position} (held-back streams are due again); what the peer holds stays. */
    public void rewind(long position) {
        cursor = Math.min(cursor, position);
    }

    /** The peer holds at least {@code versions}. */
    public void peerHas(Map<String, Long> versions) {
        versions.forEach((k, v) -> known.merge(k, v, Math::max));
    }

    /**
     * Whether the policy changed (another ranked policy, or its {@link SyncPolicy#decisionsVersion})
     * since it withheld entries from this peer: the next batch looks at them again.
     */
    public boolean policyChanged() {
        if (withheldFrom == Long.MAX_VALUE) {
            return false;
        }
        SyncPolicy p = policy.get().orElse(null);
        return p != decidedBy || (p != null && p.decisionsVersion() != decidedVersion);
    }

    /** Goes back to the first entry the policy withheld if the policy changed since (see {@link #policyChanged}). */
    private void revisitWithheld() {
        SyncPolicy p = policy.get().orElse(null);
        long version = p == null ? 0 : p.decisionsVersion();
        if (p != decidedBy || version != decidedVersion) {
            if (withheldFrom < cursor) {
                revisitUntil = Math.max(revisitUntil, cursor);
                cursor = withheldFrom;
            }
            withheldFrom = Long.MAX_VALUE;
            decidedBy = p;
            decidedVersion = version;
        }
    }

    /**
     * The first log position the policy withheld from the peer that was not looked at again since
     * under the current decisions ({@link Long#MAX_VALUE}: none): what to persist, so that a
     * restart does not forget it.
     */
    public long withheldSince() {
        if (revisitUntil >= 0 && cursor >= revisitUntil) {
            revisitUntil = -1;
        }
        return revisitUntil >= 0 ? Math.min(withheldFrom, cursor) : withheldFrom;
    }

    /**
     * The current policy's decisions as a name that is the same after a restart for the same
     * decisions: its class and {@link SyncPolicy#decisionsVersion}.
     */
    public String decisions() {
        SyncPolicy p = policy.get().orElse(null);
        return p == null ? "none" : p.getClass().getName() + "#" + p.decisionsVersion();
    }

    /**
     * What an earlier session (before a restart, say) withheld from {@code from} on under
     * {@code under} ({@link #decisions()} then): looked at again now if the decisions differ, else
     * kept, to be looked at when they change. Call after {@link #restart}.
     */
    public void resumeWithheld(long from, String under) {
        if (!under.equals(decisions())) {
            if (from < cursor) {
                revisitUntil = Math.max(revisitUntil, cursor);
                cursor = from;
            }
        } else {
            withheldFrom = Math.min(withheldFrom, from);
            decidedBy = policy.get().orElse(null);
            decidedVersion = decidedBy == null ? 0 : decidedBy.decisionsVersion();
        }
    }

    /** The peer acknowledged {@code versions}: it holds them durably. */
    public void acknowledge(Map<String, Long> versions) {
        peerHas(versions);
    }

    /** The peer refused {@code stream} from {@code seq} on: what was counted as sent did not arrive. */
    public void refused(String stream, long seq) {
        known.merge(stream, seq - 1, Math::min);
    }

    /** What the peer holds as far as this outbox knows: a snapshot. */
    public Map<String, Long> known() {
        return Map.copyOf(known);
    }

    /** The log position the next batch starts from. */
    public long cursor() {
        return cursor;
    }

    /** Whether every log entry up to the head was looked at. */
    public boolean atHead() {
        return cursor >= store.head();
    }

    /**
     * The next batch the peer lacks, advancing the cursor past it; empty at the head of the log.
     *
     * @param subscription   the namespaces the peer asked for (empty: all)
     * @param heldBack       streams not to send now
     * @param maxChangeSet   the largest change set the link carries; larger ones go to {@code tooLarge}
     * @param maxBytes       the batch's payload budget (one change set at least)
     * @param maxCount       at most this many log entries looked at per read
     */
    public Optional<Batch> next(List<String> subscription, Predicate<String> heldBack, long maxChangeSet, long maxBytes, int maxCount,
            Consumer<TooLarge> tooLarge) throws StoreException {
        revisitWithheld();
        SendFilter filter = new SendFilter(catalog, types, policy.get(), peerId, subscription);
        while (cursor < store.head()) {
            List<LogEntry> entries = read(cursor, maxCount, maxBytes);
            if (entries.isEmpty()) {
                return Optional.empty();
            }
            List<byte[]> payloads = new ArrayList<>();
            Map<String, First> firsts = new HashMap<>();
            long bytes = 0;
            long next = entries.get(entries.size() - 1).position() + 1;
            for (LogEntry e : entries) {
                String stream = e.stream();
                String namespace = Streams.namespace(stream);
                if (e.seq() <= known.getOrDefault(stream, 0L) || heldBack.test(stream)) {
                    continue;
                }
                if (!filter.mayReceive(namespace)) {
                    if (filter.deniedByPolicy(namespace)) {
                        withheldFrom = Math.min(withheldFrom, e.position());
                    }
                    continue;
                }
                byte[] payload = e.payload();
                Optional<SendFilter.Scope> scope = filter.scope(namespace);
                if (scope.isPresent()) {
                    // Selective: the peer gets the matching entities' states (or a skip) for this position.
                    payload = scoped.scopedEntry(e, scope.get().def(), scope.get().predicate());
                }
                if (payload.length + 64L > maxChangeSet) {
                    tooLarge.accept(new TooLarge(stream, e.seq(), e.position(), payload.length));
                    continue;
                }
                if (!payloads.isEmpty() && bytes + payload.length > maxBytes) {
                    // Scoped entries can be larger than the log entries they stand for: the rest goes in the next batch.
                    next = e.position();
                    break;
                }
                payloads.add(payload);
                firsts.putIfAbsent(stream, new First(e.position(), e.seq()));
                bytes += payload.length;
                known.put(stream, e.seq());
            }
            cursor = next;
            if (!payloads.isEmpty()) {
                return Optional.of(new Batch(payloads, firsts, cursor, bytes));
            }
        }
        return Optional.empty();
    }

    /** From the tail when it holds {@code from}, else from the store. */
    private List<LogEntry> read(long from, int maxCount, long maxBytes) throws StoreException {
        synchronized (tail) {
            while (!tail.isEmpty() && tail.peekFirst().position() < from) {
                tailBytes -= tail.removeFirst().payload().length;
            }
            if (!tail.isEmpty() && tail.peekFirst().position() == from) {
                List<LogEntry> out = new ArrayList<>();
                long bytes = 0;
                for (LogEntry e : tail) {
                    if (out.size() >= maxCount || !out.isEmpty() && bytes >= maxBytes) {
                        break;
                    }
                    out.add(e);
                    bytes += e.payload().length;
                }
                return out;
            }
        }
        return store.read(from, maxCount, maxBytes);
    }

    /** Engine thread: entries just made durable. */
    void appended(List<LogEntry> entries) {
        synchronized (tail) {
            LogEntry last = tail.peekLast();
            if (last != null && last.position() + 1 != entries.get(0).position()) {
                tail.clear();
                tailBytes = 0;
            }
            for (LogEntry e : entries) {
                tail.addLast(e);
                tailBytes += e.payload().length;
            }
            while (tailBytes > TAIL_BYTES && !tail.isEmpty()) {
                tailBytes -= tail.removeFirst().payload().length;
            }
        }
        wake.run();
    }

    /** Stops handing new entries to this outbox. */
    @Override
    public void close() {
        registry.remove(this);
        synchronized (tail) {
            tail.clear();
            tailBytes = 0;
        }
    }
}
