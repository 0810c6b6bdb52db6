package io.rhizome.crdt.internal;

import java.util.List;

import org.osgi.service.component.annotations.Component;

import com.fasterxml.jackson.databind.JsonNode;

import io.rhizome.spi.crdt.CrdtIntentException;
import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.crdt.CrdtTypeName;
import io.rhizome.spi.crdt.ReplicaContext;
import io.rhizome.crdt.internal.seq.ListReplica;

/** The built-in {@code list} type as a DS service. */
@Component(service = CrdtType.class)
@CrdtTypeName(type = "list")
public class ListType extends BuiltinType {

    public ListType() {
        super("list", "ordered list of JSON values; concurrent inserts at one place never interleave", ListReplica::new);
    }

    /** Refused: delete the elements (a range) instead. */
    @Override
    public JsonNode deleteIntent() throws CrdtIntentException {
        throw deleteRefused("delete its elements (a range) instead");
    }

    /** The whole list replaced, in inserts that each fit one write. */
    @Override
    public List<JsonNode> importIntents(ReplicaContext context, JsonNode current, JsonNode exported) throws CrdtIntentException {
        return ImportIntents.list(name(), current, exported);
    }
}
