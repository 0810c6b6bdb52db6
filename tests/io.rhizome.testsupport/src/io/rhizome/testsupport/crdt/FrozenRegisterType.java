package io.rhizome.testsupport.crdt;

import io.rhizome.spi.crdt.CrdtDecodeException;
import io.rhizome.spi.crdt.CrdtReplica;
import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.crdt.ReplicaContext;

/**
 * A third-party type written before the SPI answered delete and import: the same replicas as
 * {@link MaxRegisterType}, under its own name, implementing neither {@code deleteIntent} nor
 * {@code importIntents}, so it gets the SPI's refusing defaults.
 */
public class FrozenRegisterType implements CrdtType {

    public static final String NAME = "acme.frozen-register";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String semantics() {
        return "keeps the largest integer ever written (no delete, no import)";
    }

    @Override
    public CrdtReplica newReplica(ReplicaContext context) {
        return new MaxRegisterReplica(context.replicaId(), NAME);
    }

    @Override
    public CrdtReplica decodeState(ReplicaContext context, byte[] state) throws CrdtDecodeException {
        MaxRegisterReplica r = new MaxRegisterReplica(context.replicaId(), NAME);
        r.merge(state);
        return r;
    }
}
