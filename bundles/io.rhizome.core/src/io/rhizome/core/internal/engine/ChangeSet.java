package io.rhizome.core.internal.engine;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One host transaction's writes to one namespace: the unit of the log, the wire, signing and
 * encryption. Numbered per stream (namespace + author): {@code seq} 1, 2, 3...
 *
 * @param namespace the namespace every op belongs to
 * @param author    the writing device
 * @param seq       this change set's number in the (namespace, author) stream
 * @param hlc       packed hybrid-logical-clock time of the write
 * @param deps      the versions of the namespace's other streams the author had applied (causality)
 * @param ops       the operations, in order
 * @param policyPoint the sync policy's causal point the author wrote at ({@code SyncPolicy.writePoint}),
 *                  sorted; empty for none, and then not encoded at all (the bytes of a change set
 *                  without one are those of the format before this field)
 */
public record ChangeSet(String namespace, String author, long seq, long hlc, Map<String, Long> deps, List<Op> ops,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> policyPoint) implements LogBody {

    public ChangeSet {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(author, "author");
        deps = deps == null ? Map.of() : Map.copyOf(deps);
        ops = ops == null ? List.of() : List.copyOf(ops);
        policyPoint = policyPoint == null ? List.of() : List.copyOf(new TreeSet<>(policyPoint));
    }

    /** A change set without a policy point. */
    public ChangeSet(String namespace, String author, long seq, long hlc, Map<String, Long> deps, List<Op> ops) {
        this(namespace, author, seq, hlc, deps, ops, List.of());
    }

    /** {@link #policyPoint} as a set, as the policy is asked. */
    public Set<String> policyPointSet() {
        return Set.copyOf(policyPoint);
    }

    @Override
    public List<Op> items() {
        return ops;
    }

    @Override
    public boolean merges() {
        return false;
    }

    /** The stream this change set belongs to. */
    public String stream() {
        return Streams.id(namespace, author);
    }

    /**
     * One CRDT operation on one entity.
     *
     * @param key  the entity key
     * @param type the entity's {@code crdt.type}
     * @param op   the encoded operation (from {@code CrdtReplica.mutate})
     */
    public record Op(String key, String type, byte[] op) {
        public Op {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(op, "op");
        }
    }
}
