package io.rhizome.core.tests.dynamic;

import io.rhizome.spi.crdt.CrdtDecodeException;
import io.rhizome.spi.crdt.CrdtReplica;
import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.crdt.ReplicaContext;

/** A CRDT type that only registers; packaged into a bundle built at test time. */
public class MaxRegisterTestType implements CrdtType {

    @Override
    public String name() {
        return "test.max-register";
    }

    @Override
    public String semantics() {
        return "keeps the largest number ever written";
    }

    @Override
    public CrdtReplica newReplica(ReplicaContext context) {
        throw new UnsupportedOperationException("registration-only test type");
    }

    @Override
    public CrdtReplica decodeState(ReplicaContext context, byte[] state) throws CrdtDecodeException {
        throw new CrdtDecodeException("registration-only test type");
    }
}
