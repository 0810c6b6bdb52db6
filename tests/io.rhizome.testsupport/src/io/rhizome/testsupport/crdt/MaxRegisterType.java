package io.rhizome.testsupport.crdt;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import io.rhizome.spi.crdt.CrdtDecodeException;
import io.rhizome.spi.crdt.CrdtIntentException;
import io.rhizome.spi.crdt.CrdtReplica;
import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.crdt.ReplicaContext;

/**
 * A third party's CRDT type, written against the SPI only: a register that keeps the largest
 * integer ever written. Packaged into its own bundle at test time (with {@link MaxRegisterReplica})
 * and registered as a plain DS component with {@code crdt.type=acme.max-register}. It imports (one
 * {@code set} of the exported maximum) and, keeping the SPI's default, refuses a delete.
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

    @Override
    public List<JsonNode> importIntents(ReplicaContext context, JsonNode current, JsonNode exported) throws CrdtIntentException {
        if (exported.isNull() && current.isNull()) {
            return List.of(); // a register nobody wrote
        }
        if (!exported.isIntegralNumber() || !exported.canConvertToLong()) {
            throw new CrdtIntentException("an acme.max-register export is an integer, not " + exported);
        }
        if (current.isIntegralNumber() && current.asLong() > exported.asLong()) {
            throw new CrdtIntentException("an acme.max-register never decreases (it holds " + current + ", the import says " + exported + ")");
        }
        if (current.equals(exported)) {
            return List.of();
        }
        return List.of(JsonNodeFactory.instance.objectNode().put("op", "set").put("value", exported.asLong()));
    }
}
