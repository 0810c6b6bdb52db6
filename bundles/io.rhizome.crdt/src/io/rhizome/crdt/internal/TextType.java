package io.rhizome.crdt.internal;

import org.osgi.service.component.annotations.Component;

import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.crdt.CrdtTypeName;
import io.rhizome.crdt.internal.seq.TextReplicaImpl;

/** The built-in {@code text} type as a DS service. */
@Component(service = CrdtType.class)
@CrdtTypeName(type = "text")
public class TextType extends BuiltinType {

    public TextType() {
        super("text", "text; concurrent insertions at one place never interleave, deletes win", TextReplicaImpl::new);
    }
}
