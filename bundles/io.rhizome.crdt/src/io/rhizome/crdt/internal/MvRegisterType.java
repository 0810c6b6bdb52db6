package io.rhizome.crdt.internal;

import java.util.List;

import org.osgi.service.component.annotations.Component;

import com.fasterxml.jackson.databind.JsonNode;

import io.rhizome.spi.crdt.CrdtIntentException;
import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.crdt.CrdtTypeName;
import io.rhizome.spi.crdt.ReplicaContext;

/** The built-in {@code mv-register} type as a DS service. */
@Component(service = CrdtType.class)
@CrdtTypeName(type = "mv-register")
public class MvRegisterType extends BuiltinType {

    public MvRegisterType() {
        super("mv-register", "one JSON value; concurrent writes are all kept until a later write replaces them", MvRegisterReplica::new);
    }

    /** A delete writes null, replacing every value the writer has seen. */
    @Override
    public JsonNode deleteIntent() {
        return ImportIntents.op("set").putNull("value");
    }

    /**
     * One {@code set} of the single exported value. Concurrent values cannot be recreated by one
     * device's writes (each write replaces what it saw), so an export holding several is refused
     * rather than imported as an array that was never written.
     */
    @Override
    public List<JsonNode> importIntents(ReplicaContext context, JsonNode current, JsonNode exported) throws CrdtIntentException {
        if (!exported.isArray() || exported.size() > 1) {
            throw ImportIntents.invalid(name(), exported.isArray() ? "it holds " + exported.size()
                    + " concurrent values, which one device cannot write again; set one value on the exporting device first"
                    : "the value must be a JSON array of the register's values");
        }
        if (current.equals(exported) || exported.isEmpty()) {
            return List.of();
        }
        return List.of(ImportIntents.op("set").set("value", exported.get(0)));
    }
}
