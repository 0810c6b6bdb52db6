package io.rhizome.crdt.internal;

import java.util.List;

import org.osgi.service.component.annotations.Component;

import com.fasterxml.jackson.databind.JsonNode;

import io.rhizome.spi.crdt.CrdtIntentException;
import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.crdt.CrdtTypeName;
import io.rhizome.spi.crdt.ReplicaContext;

/** The built-in {@code or-set} type as a DS service. */
@Component(service = CrdtType.class)
@CrdtTypeName(type = "or-set")
public class OrSetType extends BuiltinType {

    public OrSetType() {
        super("or-set", "set of JSON values; an add concurrent with a remove of the same value wins", ctx -> new SetReplica(ctx, true));
    }

    /** Refused: remove the elements instead. */
    @Override
    public JsonNode deleteIntent() throws CrdtIntentException {
        throw deleteRefused("remove its elements instead");
    }

    /** Adds of the missing elements, removes of the extra ones. */
    @Override
    public List<JsonNode> importIntents(ReplicaContext context, JsonNode current, JsonNode exported) throws CrdtIntentException {
        return ImportIntents.set(name(), false, current, exported);
    }
}
