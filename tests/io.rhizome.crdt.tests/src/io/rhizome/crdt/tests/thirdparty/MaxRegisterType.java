package io.rhizome.crdt.tests.thirdparty;

import io.rhizome.spi.crdt.CrdtDecodeException;
import io.rhizome.spi.crdt.CrdtReplica;
import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.crdt.ReplicaContext;

/**
 * A third party's CRDT type, written against the SPI only: a register that keeps the largest
 * integer ever written. Packaged into its own bundle at test time (with {@link MaxRegisterReplica})
 * and registered as a plain DS component with {@code crdt.type=acme.max-register}.
 */
public class MaxRegisterType implements CrdtType {

    public static final String NAME = "acme.max-register";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String semantics() {
        return "keeps the largest integer ever written";
    }

    @Override
    public CrdtReplica newReplica(ReplicaContext context) {
        return new MaxRegisterReplica(context.replicaId());
    }

    @Override
    public CrdtReplica decodeState(ReplicaContext context, byte[] state) throws CrdtDecodeException {
        MaxRegisterReplica r = new MaxRegisterReplica(context.replicaId());
        r.merge(state);
        return r;
    }
}
