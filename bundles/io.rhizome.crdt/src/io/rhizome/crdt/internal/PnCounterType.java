package io.rhizome.crdt.internal;

import org.osgi.service.component.annotations.Component;

import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.crdt.CrdtTypeName;

/** The built-in {@code pn-counter} type as a DS service. */
@Component(service = CrdtType.class)
@CrdtTypeName(type = "pn-counter")
public class PnCounterType extends BuiltinType {

    public PnCounterType() {
        super("pn-counter", "counts up and down; concurrent increments and decrements all count", ctx -> new CounterReplica(ctx, true));
    }
}
