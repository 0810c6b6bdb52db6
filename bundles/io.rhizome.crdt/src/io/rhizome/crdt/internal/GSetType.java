package io.rhizome.crdt.internal;

import java.util.List;

import org.osgi.service.component.annotations.Component;

import com.fasterxml.jackson.databind.JsonNode;

import io.rhizome.spi.crdt.CrdtIntentException;
import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.crdt.CrdtTypeName;
import io.rhizome.spi.crdt.ReplicaContext;

/** The built-in {@code g-set} type as a DS service. */
@Component(service = CrdtType.class)
@CrdtTypeName(type = "g-set")
public class GSetType extends BuiltinType {

    public GSetType() {
        super("g-set", "grow-only set of JSON values; the union of all adds", ctx -> new SetReplica(ctx, false));
    }

    /** Refused: a g-set only grows. */
    @Override
    public JsonNode deleteIntent() throws CrdtIntentException {
        throw deleteRefused("a g-set only grows");
    }

    /** Adds of the missing elements; an export without a current element is refused. */
    @Override
    public List<JsonNode> importIntents(ReplicaContext context, JsonNode current, JsonNode exported) throws CrdtIntentException {
        return ImportIntents.set(name(), true, current, exported);
    }
}
