package io.rhizome.crdt.internal;

import org.osgi.service.component.annotations.Component;

import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.crdt.CrdtTypeName;

/** The built-in {@code g-counter} type as a DS service. */
@Component(service = CrdtType.class)
@CrdtTypeName(type = "g-counter")
public class GCounterType extends BuiltinType {

    public GCounterType() {
        super("g-counter", "counts up; concurrent increments all count", ctx -> new CounterReplica(ctx, false));
    }
}
