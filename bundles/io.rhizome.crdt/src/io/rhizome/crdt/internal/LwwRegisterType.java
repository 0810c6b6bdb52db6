package io.rhizome.crdt.internal;

import java.util.List;

import org.osgi.service.component.annotations.Component;

import com.fasterxml.jackson.databind.JsonNode;

import io.rhizome.spi.crdt.CrdtIntentException;
import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.crdt.CrdtTypeName;
import io.rhizome.spi.crdt.ReplicaContext;

/** The built-in {@code lww-register} type as a DS service. */
@Component(service = CrdtType.class)
@CrdtTypeName(type = "lww-register")
public class LwwRegisterType extends BuiltinType {

    public LwwRegisterType() {
        super("lww-register", "one JSON value; the write with the latest hybrid-logical-clock time wins, ties by replica id", LwwRegisterReplica::new);
    }

    /** A delete writes null: the register then has no value. */
    @Override
    public JsonNode deleteIntent() {
        return ImportIntents.op("set").putNull("value");
    }

    /** One {@code set} of the exported value, unless it is already the value. */
    @Override
    public List<JsonNode> importIntents(ReplicaContext context, JsonNode current, JsonNode exported) {
        return current.equals(exported) ? List.of() : List.of(ImportIntents.op("set").set("value", exported));
    }
}
