package io.rhizome.crdt.internal;

import org.osgi.service.component.annotations.Component;

import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.crdt.CrdtTypeName;

/** The built-in {@code mv-register} type as a DS service. */
@Component(service = CrdtType.class)
@CrdtTypeName(type = "mv-register")
public class MvRegisterType extends BuiltinType {

    public MvRegisterType() {
        super("mv-register", "one JSON value; concurrent writes are all kept until a later write replaces them", MvRegisterReplica::new);
    }
}
