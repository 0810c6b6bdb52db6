package io.rhizome.crdt.internal;

import java.util.Objects;
import java.util.function.Function;

import io.rhizome.spi.crdt.CrdtDecodeException;
import io.rhizome.spi.crdt.CrdtIntentException;
import io.rhizome.spi.crdt.CrdtReplica;
import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.crdt.ReplicaContext;

/**
 * The shared shell of the built-in types: a name, a one-line semantics and a replica factory. The
 * DS components are small subclasses carrying the {@code crdt.type} property and answering what a
 * delete and an import mean for their type; everything else lives in the replica classes, which
 * tests and benchmarks use without a framework.
 */
public abstract class BuiltinType implements CrdtType {

    private final String name;
    private final String semantics;
    private final Function<ReplicaContext, AbstractReplica<?>> factory;

    protected BuiltinType(String name, String semantics, Function<ReplicaContext, AbstractReplica<?>> factory) {
        this.name = name;
        this.semantics = semantics;
        this.factory = factory;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final String semantics() {
        return semantics;
    }

    @Override
    public final CrdtReplica newReplica(ReplicaContext context) {
        return factory.apply(Objects.requireNonNull(context, "context"));
    }

    @Override
    public final CrdtReplica decodeState(ReplicaContext context, byte[] state) throws CrdtDecodeException {
        return factory.apply(Objects.requireNonNull(context, "context")).decode(state);
    }

    /**
     * The refusal of a whole-entity delete, with what to do instead; the built-in types other than
     * the registers have no value that means "deleted".
     */
    protected final CrdtIntentException deleteRefused(String instead) {
        return new CrdtIntentException("type '" + name + "' does not support delete: a whole entity cannot be deleted; " + instead);
    }

    @Override
    public String toString() {
        return "CrdtType[" + name + "]";
    }
}
