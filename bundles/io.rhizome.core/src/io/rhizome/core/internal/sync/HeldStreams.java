package io.rhizome.core.internal.sync;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import io.rhizome.api.HeldBack;
import io.rhizome.core.internal.engine.Streams;

/**
 * The streams that do not flow between this node and one peer, in both directions, kept per peer
 * (not per session), so that status shows them across reconnects.
 *
 * <p><b>Outgoing</b> (the peer refused what this node sent): the stream is left out of the
 * sender's scan until its retry time, then sent again from the first refused entry. Retries back
 * off from {@link #FIRST_RETRY_MILLIS} to {@link #MAX_RETRY_MILLIS}; a sync request from the peer
 * (it changed something — a namespace declaration, an installed type) retries every stream at
 * once. The entry goes away once the peer acknowledges holding the refused change set.
 *
 * <p><b>Incoming</b> (this node refused what the peer sent): recorded for status; goes away once
 * this node holds the refused change set.
 *
 * <p>Thread-safe: the peer's session writes, status readers read.
 */
public final class HeldStreams {

    static final long FIRST_RETRY_MILLIS = 2_000;
    static final long MAX_RETRY_MILLIS = 60_000;

    private record Outgoing(HeldBack info, long firstPosition, long retryAt, long backoff, boolean blocked) {
    }

    private final LongSupplier clock;
    private final Map<String, Outgoing> outgoing = new ConcurrentHashMap<>();
    private final Map<String, HeldBack> incoming = new ConcurrentHashMap<>();

    public HeldStreams() {
        this(System::currentTimeMillis);
    }

    HeldStreams(LongSupplier clock) {
        this.clock = clock;
    }

    /**
     * The peer refused {@code stream} from {@code seq} on.
     *
     * @param firstPosition log position of the first refused entry, or -1 if not known
     * @return whether this is news (the stream was not held, or for another reason)
     */
    /** Whether {@link #refusedByPeer} with these arguments would answer true (a refusal to report), changing nothing. */
    boolean isNewRefusal(String stream, long seq, String reason) {
        Outgoing before = outgoing.get(stream);
        if (before != null && before.blocked() && before.info().seq() <= seq) {
            return false;
        }
        return before == null || !before.info().reason().equals(reason);
    }

    boolean refusedByPeer(String stream, long seq, String code, String reason, long firstPosition) {
        long now = clock.getAsLong();
        Outgoing before = outgoing.get(stream);
        if (before != null && before.blocked() && before.info().seq() <= seq) {
            // A later batch, sent before the refusal was known, refused the rest of the stream: nothing new.
            return false;
        }
        long backoff = before == null ? FIRST_RETRY_MILLIS : Math.min(MAX_RETRY_MILLIS, before.backoff() * 2);
        Instant since = before != null ? before.info().since() : Instant.ofEpochMilli(now);
        long position = before == null || firstPosition >= 0 && (before.firstPosition() < 0 || firstPosition < before.firstPosition())
                ? firstPosition : before.firstPosition();
        long first = before == null ? seq : Math.min(seq, before.info().seq());
        HeldBack info = new HeldBack(HeldBack.Direction.OUTGOING, Streams.namespace(stream), Streams.author(stream), first, code, reason, since);
        outgoing.put(stream, new Outgoing(info, position, now + backoff, backoff, true));
        return before == null || !before.info().reason().equals(reason);
    }

    /** Whether the scan must leave {@code stream} out now. */
    boolean blocks(String stream) {
        Outgoing o = outgoing.get(stream);
        return o != null && o.blocked();
    }

    /**
     * Unblocks the outgoing streams whose retry time has come (all of them if {@code all}).
     *
     * @return the lowest first position among them ({@code 0} if one is unknown), empty if none is due
     */
    OptionalLong due(boolean all) {
        long now = clock.getAsLong();
        long min = Long.MAX_VALUE;
        boolean any = false;
        for (Map.Entry<String, Outgoing> e : outgoing.entrySet()) {
            Outgoing o = e.getValue();
            if (o.blocked() && (all || o.retryAt() <= now)) {
                e.setValue(new Outgoing(o.info(), o.firstPosition(), o.retryAt(), o.backoff(), false));
                min = Math.min(min, Math.max(0, o.firstPosition()));
                any = true;
            }
        }
        return any ? OptionalLong.of(min) : OptionalLong.empty();
    }

    /** The lowest log position the peer may still lack because of a held stream. */
    OptionalLong firstHeldPosition() {
        return outgoing.values().stream().mapToLong(o -> Math.max(0, o.firstPosition())).min();
    }

    /**
     * What the peer holds now: outgoing streams it holds past their refusal flow again.
     *
     * @return the streams that flow again
     */
    List<String> peerHolds(Map<String, Long> peerVersions) {
        List<String> resumed = new ArrayList<>();
        outgoing.entrySet().removeIf(e -> {
            boolean flows = peerVersions.getOrDefault(e.getKey(), 0L) >= e.getValue().info().seq();
            if (flows) {
                resumed.add(e.getKey());
            }
            return flows;
        });
        return resumed;
    }

    /** This node refused the peer's {@code stream} from {@code seq} on. */
    boolean refusedByUs(String stream, long seq, String code, String reason) {
        HeldBack before = incoming.get(stream);
        if (before != null && before.seq() < seq) {
            return false; // the rest of a stream already held back from an earlier change set
        }
        Instant since = before != null ? before.since() : Instant.ofEpochMilli(clock.getAsLong());
        incoming.put(stream, new HeldBack(HeldBack.Direction.INCOMING, Streams.namespace(stream), Streams.author(stream), seq, code,
                reason, since));
        return before == null || !before.reason().equals(reason);
    }

    /** What this node holds now: incoming streams past their refusal are no longer held back. */
    List<String> weHold(Map<String, Long> ourVersions) {
        List<String> resumed = new ArrayList<>();
        incoming.entrySet().removeIf(e -> {
            boolean flows = ourVersions.getOrDefault(e.getKey(), 0L) >= e.getValue().seq();
            if (flows) {
                resumed.add(e.getKey());
            }
            return flows;
        });
        return resumed;
    }

    /** Every held stream, outgoing first, then by stream. */
    public List<HeldBack> snapshot() {
        List<HeldBack> all = new ArrayList<>();
        outgoing.values().forEach(o -> all.add(o.info()));
        all.addAll(incoming.values());
        all.sort(Comparator.comparing(HeldBack::direction).thenComparing(HeldBack::namespace).thenComparing(HeldBack::author));
        return all;
    }
}
