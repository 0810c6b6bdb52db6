package io.rhizome.crdt.internal;

import java.util.List;

import org.osgi.service.component.annotations.Component;

import com.fasterxml.jackson.databind.JsonNode;

import io.rhizome.spi.crdt.CrdtIntentException;
import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.crdt.CrdtTypeName;
import io.rhizome.spi.crdt.ReplicaContext;

/** The built-in {@code pn-counter} type as a DS service. */
@Component(service = CrdtType.class)
@CrdtTypeName(type = "pn-counter")
public class PnCounterType extends BuiltinType {

    public PnCounterType() {
        super("pn-counter", "counts up and down; concurrent increments and decrements all count", ctx -> new CounterReplica(ctx, true));
    }

    /** Refused: decrement the counter instead. */
    @Override
    public JsonNode deleteIntent() throws CrdtIntentException {
        throw deleteRefused("decrement it instead");
    }

    /** One increment or decrement by the difference to the exported count. */
    @Override
    public List<JsonNode> importIntents(ReplicaContext context, JsonNode current, JsonNode exported) throws CrdtIntentException {
        return ImportIntents.counter(name(), false, current, exported);
    }
}
