package io.rhizome.crdt.internal;

import org.osgi.service.component.annotations.Component;

import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.crdt.CrdtTypeName;

/** The built-in {@code or-set} type as a DS service. */
@Component(service = CrdtType.class)
@CrdtTypeName(type = "or-set")
public class OrSetType extends BuiltinType {

    public OrSetType() {
        super("or-set", "set of JSON values; an add concurrent with a remove of the same value wins", ctx -> new SetReplica(ctx, true));
    }
}
