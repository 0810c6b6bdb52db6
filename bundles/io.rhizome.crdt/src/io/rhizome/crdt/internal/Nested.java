package io.rhizome.crdt.internal;

import io.rhizome.spi.crdt.CrdtDecodeException;
import io.rhizome.spi.crdt.CrdtIntentException;
import io.rhizome.spi.crdt.CrdtReplica;
import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.crdt.ReplicaContext;

/** Creating, copying and merging the CRDT values nested inside maps, through the SPI only. */
final class Nested {

    private Nested() {
    }

    static CrdtType typeForIntent(ReplicaContext context, String name) throws CrdtIntentException {
        return context.types().apply(name)
                .orElseThrow(() -> new CrdtIntentException("no CRDT type \"" + name + "\" is installed"));
    }

    static CrdtType typeForDecode(ReplicaContext context, String name) throws CrdtDecodeException {
        return context.types().apply(name)
                .orElseThrow(() -> new CrdtDecodeException("nested CRDT type \"" + name + "\" is not installed here"));
    }

    /** A fresh replica with {@code operation} applied; throws if the operation is not valid for it. */
    static CrdtReplica fromOperation(ReplicaContext context, String type, byte[] operation) throws CrdtDecodeException {
        CrdtReplica r = typeForDecode(context, type).newReplica(context);
        r.apply(operation);
        return r;
    }

    /** {@code mine} joined with {@code theirs}, computed on a copy so that a failure changes nothing. */
    static CrdtReplica mergedCopy(ReplicaContext context, String type, CrdtReplica mine, CrdtReplica theirs)
            throws CrdtDecodeException {
        CrdtReplica copy = typeForDecode(context, type).decodeState(context, mine.encodeState());
        copy.merge(theirs.encodeState());
        return copy;
    }
}
