package io.rhizome.chaos;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every write the harness made and what its answer said. A write answered 2xx is acknowledged and
 * must be reflected on every node; one answered "nothing was stored" must not be; one whose answer
 * never came (a request that timed out on a running node) is uncertain, widens what is allowed, and
 * is reported. Entities are "namespace/key".
 */
final class Ledger {
    enum Outcome { ACKED, REFUSED, UNCERTAIN }

    /** In {@link #element}'s order of precedence: ACKED before UNCERTAIN before REFUSED; removes replace them. */
    enum Mark { ACKED, UNCERTAIN, REFUSED, REMOVED, REMOVE_UNCERTAIN }

    /** A counter: the acknowledged sum, and how far uncertain writes may have moved it down or up. */
    static final class Bound {
        long expected;
        long down;
        long up;
    }

    final AtomicLong acknowledged = new AtomicLong();
    final AtomicLong refused = new AtomicLong();
    final AtomicLong uncertain = new AtomicLong();
    /** error answers that did not say whether the write was stored (counted as uncertain too); each fails its schedule */
    final AtomicLong untold = new AtomicLong();
    /** g-counter, pn-counter; or-map nested counters are "entity#key". */
    final Map<String, Bound> counters = new ConcurrentHashMap<>();
    /** g-set, or-set, list, text (text tokens), lww-map keys: element → mark. */
    final Map<String, Map<String, Mark>> elements = new ConcurrentHashMap<>();
    /** lww-register, mv-register: every value written (acknowledged or not). */
    final Map<String, Set<String>> registers = new ConcurrentHashMap<>();

    void count(Outcome o) {
        (o == Outcome.ACKED ? acknowledged : o == Outcome.REFUSED ? refused : uncertain).incrementAndGet();
    }

    void counter(String entity, long by, Outcome o) {
        Bound b = counters.computeIfAbsent(entity, e -> new Bound());
        synchronized (b) {
            if (o == Outcome.ACKED) {
                b.expected += by;
            } else if (o == Outcome.UNCERTAIN) {
                if (by > 0) {
                    b.up += by;
                } else {
                    b.down -= by;
                }
            }
        }
    }

    /**
     * An element written (its answer {@code o}). A refused one is kept too: an answer that said
     * "nothing was stored" must hold, so the element must be absent everywhere. A retry of the same
     * element (the probe) only widens: acknowledged beats uncertain beats refused.
     */
    void element(String entity, String element, Outcome o) {
        Mark m = o == Outcome.ACKED ? Mark.ACKED : o == Outcome.UNCERTAIN ? Mark.UNCERTAIN : Mark.REFUSED;
        elements.computeIfAbsent(entity, e -> new ConcurrentHashMap<>()).merge(element, m, (old, now) -> old.ordinal() < now.ordinal() ? old : now);
    }

    void removed(String entity, String element, Outcome o) {
        if (o != Outcome.REFUSED) {
            elements.get(entity).put(element, o == Outcome.ACKED ? Mark.REMOVED : Mark.REMOVE_UNCERTAIN);
        }
    }

    void register(String entity, String value) {
        registers.computeIfAbsent(entity, e -> ConcurrentHashMap.newKeySet()).add(value);
    }
}
