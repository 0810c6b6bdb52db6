package io.rhizome.crdt.internal;

import java.util.List;

import org.osgi.service.component.annotations.Component;

import com.fasterxml.jackson.databind.JsonNode;

import io.rhizome.spi.crdt.CrdtIntentException;
import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.crdt.CrdtTypeName;
import io.rhizome.spi.crdt.ReplicaContext;

/** The built-in {@code g-counter} type as a DS service. */
@Component(service = CrdtType.class)
@CrdtTypeName(type = "g-counter")
public class GCounterType extends BuiltinType {

    public GCounterType() {
        super("g-counter", "counts up; concurrent increments all count", ctx -> new CounterReplica(ctx, false));
    }

    /** Refused: a g-counter only grows. */
    @Override
    public JsonNode deleteIntent() throws CrdtIntentException {
        throw deleteRefused("a g-counter only grows");
    }

    /** Increments up to the exported count; a count below the current one is refused. */
    @Override
    public List<JsonNode> importIntents(ReplicaContext context, JsonNode current, JsonNode exported) throws CrdtIntentException {
        return ImportIntents.counter(name(), true, current, exported);
    }
}
