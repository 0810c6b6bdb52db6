package io.rhizome.crdt.internal;

import org.osgi.service.component.annotations.Component;

import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.crdt.CrdtTypeName;

/** The built-in {@code g-set} type as a DS service. */
@Component(service = CrdtType.class)
@CrdtTypeName(type = "g-set")
public class GSetType extends BuiltinType {

    public GSetType() {
        super("g-set", "grow-only set of JSON values; the union of all adds", ctx -> new SetReplica(ctx, false));
    }
}
