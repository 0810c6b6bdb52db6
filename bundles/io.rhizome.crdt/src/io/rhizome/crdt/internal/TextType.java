package io.rhizome.crdt.internal;

import java.util.List;

import org.osgi.service.component.annotations.Component;

import com.fasterxml.jackson.databind.JsonNode;

import io.rhizome.spi.crdt.CrdtIntentException;
import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.crdt.CrdtTypeName;
import io.rhizome.spi.crdt.ReplicaContext;
import io.rhizome.crdt.internal.seq.TextReplicaImpl;

/** The built-in {@code text} type as a DS service. */
@Component(service = CrdtType.class)
@CrdtTypeName(type = "text")
public class TextType extends BuiltinType {

    public TextType() {
        super("text", "text; concurrent insertions at one place never interleave, deletes win", TextReplicaImpl::new);
    }

    /** Refused: delete the characters (a range) instead. */
    @Override
    public JsonNode deleteIntent() throws CrdtIntentException {
        throw deleteRefused("delete its characters (a range) instead");
    }

    /** The whole text replaced, in inserts that each fit one write. */
    @Override
    public List<JsonNode> importIntents(ReplicaContext context, JsonNode current, JsonNode exported) throws CrdtIntentException {
        return ImportIntents.text(name(), current, exported);
    }
}
