package io.rhizome.core.internal.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import io.rhizome.api.clock.ClockDriftException;
import io.rhizome.api.clock.HlcTimestamp;
import io.rhizome.api.clock.HybridLogicalClock;
import io.rhizome.core.internal.protocol.Message;
import io.rhizome.core.internal.protocol.ProtocolException;
import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.namespace.NamespaceDefinition;
import io.rhizome.spi.policy.SyncPolicy;

/**
 * The first phase of applying a batch from a peer: every entry is checked against this node's
 * state, and no replica changes.
 *
 * <p><b>Two kinds of failure.</b> An entry this node cannot take <i>now</i> — its namespace is
 * unknown or of another type here, its CRDT type is not installed, the policy or the scope refuses
 * it, it is stamped beyond the clock drift limit, or it depends on a change set this node does not
 * hold — refuses its <i>stream</i> ({@code namespace|author}) from that entry on: the rest of that
 * stream in the batch is left out, every other stream goes on. An entry that no honest peer sends —
 * undecodable, not opening (signature, key), a body that contradicts its header, a gap in a
 * stream, a scoped entry relayed by another node — refuses the whole batch, as before.
 */
final class IncomingCheck {

    /** A validated incoming entry: a change set (ops) or a scoped entry (states to merge). */
    record Checked(String stream, long seq, String namespace, String author, ChangeSet changeSet, ScopedBody scoped,
            byte[] raw, NamespaceDefinition def, CrdtType type) {
        List<ChangeSet.Op> items() {
            return changeSet != null ? changeSet.ops() : scoped.states();
        }
    }

    /**
     * What the batch brings: the entries to apply in order, the stream versions afterwards, the
     * entries already held, and the refused streams.
     */
    record Result(List<Checked> checked, Map<String, Long> pending, int duplicates, List<Message.Refusal> refusals) {
    }

    /** A refusal of one stream; the batch goes on without it. */
    private static final class StreamRefused extends Exception {
        private static final long serialVersionUID = 1L;
        final String code;

        StreamRefused(String code, String message) {
            super(message, null, false, false);
            this.code = code;
        }
    }

    private record Resolved(NamespaceDefinition def, CrdtType type, Optional<ScopePredicate> scope) {
    }

    private final NamespaceCatalog catalog;
    private final Function<String, Optional<CrdtType>> types;
    private final HybridLogicalClock clock;

    IncomingCheck(NamespaceCatalog catalog, Function<String, Optional<CrdtType>> types, HybridLogicalClock clock) {
        this.catalog = catalog;
        this.types = types;
        this.clock = clock;
    }

    /**
     * @param held     what this node holds before the batch (stream → highest change-set number)
     * @param heldBack the peer's streams this node refused before (see {@link Inbox#offer})
     * @throws ProtocolException if the batch as a whole is refused
     */
    Result check(String peerId, List<Inbox.Decoded> entries, SyncPolicy policy, Map<String, Long> held, java.util.Set<String> heldBack)
            throws ProtocolException {
        Map<String, Long> pending = new HashMap<>();
        List<Checked> checked = new ArrayList<>();
        Map<String, Message.Refusal> refused = new LinkedHashMap<>();
        int duplicates = 0;
        // Decided once per batch: the policy and the namespace definitions do not change within one.
        Map<String, SyncPolicy.Decision> decisions = new HashMap<>();
        Map<String, Object> resolvedNs = new HashMap<>();
        for (Inbox.Decoded d : entries) {
            if (d.decodeError() != null) {
                throw new ProtocolException(ProtocolException.INVALID_CHANGE_SET, d.decodeError().getMessage());
            }
            LogRecord rec = d.entry();
            long seq = rec.seq();
            String stream = rec.stream();
            if (refused.containsKey(stream)) {
                continue;
            }
            long have = pending.containsKey(stream) ? pending.get(stream) : held.getOrDefault(stream, 0L);
            if (seq <= have) {
                duplicates++;
                continue;
            }
            if (seq != have + 1 && heldBack.contains(stream)) {
                // The rest of a stream refused before, sent before the peer knew: refused with it.
                refused.put(stream, new Message.Refusal(stream, have + 1, ProtocolException.MISSING_DEPENDENCIES, "change set " + stream
                        + "#" + seq + " follows #" + (have + 1) + ", which this node refused; the stream waits for #" + (have + 1)));
                continue;
            }
            if (seq != have + 1) {
                throw new ProtocolException(ProtocolException.MISSING_DEPENDENCIES, "change set " + stream + "#" + seq
                        + " arrived but this node has only up to #" + have + " of that stream");
            }
            try {
                checked.add(checkOne(peerId, d, stream, seq, policy, decisions, resolvedNs, held, pending));
                pending.put(stream, seq);
            } catch (StreamRefused r) {
                refused.put(stream, new Message.Refusal(stream, seq, r.code, r.getMessage()));
            }
        }
        List<Message.Refusal> refusals = List.copyOf(refused.values());
        if (checked.isEmpty() && !refusals.isEmpty()) {
            throw new BatchRefusedException(refusals);
        }
        return new Result(checked, pending, duplicates, refusals);
    }

    private Checked checkOne(String peerId, Inbox.Decoded d, String stream, long seq,
            SyncPolicy policy, Map<String, SyncPolicy.Decision> decisions, Map<String, Object> resolvedNs, Map<String, Long> held,
            Map<String, Long> pending) throws ProtocolException, StreamRefused {
        String namespace = d.entry().namespace();
        String author = d.entry().author();
        // The policy's causal point the author wrote at, signed with the change set (a body that does not
        // open is refused below whatever the policy says; it is judged without a point here).
        java.util.Set<String> point = d.body() instanceof ChangeSet c ? c.policyPointSet() : java.util.Set.of();
        if (!point.isEmpty()) {
            Optional<String> waiting = policy.awaiting(namespace, point);
            if (waiting.isPresent()) {
                throw new StreamRefused(ProtocolException.MISSING_DEPENDENCIES, "change set " + stream + "#" + seq
                        + " was written at a policy point this node does not hold yet (" + waiting.get() + "); the stream waits for it");
            }
        }
        String decisionKey = point.isEmpty() ? stream : stream + " @" + new java.util.TreeSet<>(point);
        SyncPolicy.Decision decision = decisions.computeIfAbsent(decisionKey, x -> point.isEmpty()
                ? policy.canReceive(peerId, namespace, author) : policy.canReceive(peerId, namespace, author, point));
        if (!decision.allowed()) {
            policy.audit(peerId, namespace, decision);
            throw new StreamRefused(ProtocolException.REFUSED, "namespace '" + namespace + "' from " + peerId + " refused by policy: "
                    + decision.reason());
        }
        Object r = resolvedNs.computeIfAbsent(namespace, n -> {
            try {
                return resolve(n, stream, seq);
            } catch (ProtocolException e) {
                return e;
            } catch (StreamRefused e) {
                return e;
            }
        });
        if (r instanceof ProtocolException e) {
            throw e;
        }
        if (r instanceof StreamRefused e) {
            throw new StreamRefused(e.code, e.getMessage());
        }
        Resolved resolved = (Resolved) r;
        NamespaceDefinition def = resolved.def();
        Optional<ScopePredicate> scope = resolved.scope();
        long hlc;
        ChangeSet cs = null;
        ScopedBody body = null;
        if (d.entry() instanceof ScopedEnvelope senv) {
            if (!senv.via().equals(peerId)) {
                throw new ProtocolException(ProtocolException.REFUSED, "scoped entry " + stream + "#" + seq + " was filtered by "
                        + senv.via() + " but sent by " + peerId + "; a node sends only scoped entries it made itself");
            }
            if (scope.isEmpty()) {
                throw new StreamRefused(ProtocolException.REFUSED, "namespace '" + namespace + "' syncs in full on this node, but "
                        + peerId + " sent " + stream + "#" + seq + " filtered by the selective scope '" + senv.predicate()
                        + "'; declare the namespace with the same scope on every device");
            }
            if (!scope.get().canonical().equals(senv.predicate())) {
                throw new StreamRefused(ProtocolException.REFUSED, "namespace '" + namespace + "' is selective by '"
                        + scope.get().canonical() + "' on this node, but " + peerId + " filtered " + stream + "#" + seq
                        + " by '" + senv.predicate() + "'; declare the namespace with the same scope on every device");
            }
            if (d.openError() != null) {
                throw new ProtocolException(ProtocolException.INVALID_CHANGE_SET, "scoped entry " + stream + "#" + seq + ": "
                        + d.openError().getMessage());
            }
            body = (ScopedBody) d.body();
            hlc = Math.max(body.hlc(), body.clock());
        } else {
            if (scope.isPresent()) {
                throw new StreamRefused(ProtocolException.REFUSED, "namespace '" + namespace + "' is selective ('"
                        + scope.get().canonical() + "') on this node and accepts only filtered entries, but " + peerId
                        + " sent the full change set " + stream + "#" + seq + "; declare the namespace with the same scope on every device");
            }
            if (d.openError() != null) {
                throw new ProtocolException(ProtocolException.INVALID_CHANGE_SET, "change set " + stream + "#" + seq + ": "
                        + d.openError().getMessage());
            }
            cs = (ChangeSet) d.body();
            if (!cs.namespace().equals(namespace) || !cs.author().equals(author) || cs.seq() != seq) {
                throw new ProtocolException(ProtocolException.INVALID_CHANGE_SET, "change set " + stream + "#" + seq
                        + ": its body names " + cs.stream() + "#" + cs.seq() + ", not its header");
            }
            for (Map.Entry<String, Long> dep : cs.deps().entrySet()) {
                long depHave = pending.containsKey(dep.getKey()) ? pending.get(dep.getKey()) : held.getOrDefault(dep.getKey(), 0L);
                if (depHave < dep.getValue()) {
                    throw new StreamRefused(ProtocolException.MISSING_DEPENDENCIES, "change set " + stream + "#" + seq
                            + " depends on " + dep.getKey() + "#" + dep.getValue() + ", which this node does not have");
                }
            }
            hlc = cs.hlc();
        }
        for (ChangeSet.Op op : cs != null ? cs.ops() : body.states()) {
            if (!op.type().equals(def.crdtType())) {
                throw new StreamRefused(ProtocolException.UNKNOWN_NAMESPACE, "namespace '" + namespace + "' is of type '"
                        + def.crdtType() + "' here but the change set " + stream + "#" + seq + " carries '" + op.type() + "' operations");
            }
        }
        try {
            clock.observe(HlcTimestamp.unpack(hlc));
        } catch (ClockDriftException e) {
            throw new StreamRefused(ProtocolException.CLOCK_DRIFT, "change set " + stream + "#" + seq + " has a bad timestamp: "
                    + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(ProtocolException.REFUSED, "change set " + stream + "#" + seq + " has a bad timestamp: "
                    + e.getMessage());
        }
        return new Checked(stream, seq, namespace, author, cs, body, d.raw(), def, resolved.type());
    }

    private Resolved resolve(String namespace, String stream, long seq) throws ProtocolException, StreamRefused {
        NamespaceDefinition def;
        try {
            Optional<NamespaceDefinition> found = catalog.resolve(namespace);
            if (found.isEmpty()) {
                throw new StreamRefused(ProtocolException.UNKNOWN_NAMESPACE, "unknown namespace '" + namespace + "' on this node");
            }
            def = found.get();
        } catch (IllegalArgumentException e) {
            // A name no namespace can have (the default definition of an undeclared name refuses it).
            throw new ProtocolException(ProtocolException.INVALID_CHANGE_SET, "change set " + stream + "#" + seq + ": " + e.getMessage());
        }
        Optional<CrdtType> type = types.apply(def.crdtType());
        if (type.isEmpty()) {
            throw new StreamRefused(ProtocolException.UNAVAILABLE, "namespace '" + namespace + "' needs CRDT type '" + def.crdtType()
                    + "', which is not installed here");
        }
        try {
            return new Resolved(def, type.get(), catalog.predicate(def));
        } catch (ScopePredicate.InvalidPredicateException e) {
            throw new StreamRefused(ProtocolException.UNAVAILABLE, "namespace '" + namespace + "' is unavailable here: "
                    + catalog.scopeProblem(def).orElse(e.getMessage()));
        }
    }
}
