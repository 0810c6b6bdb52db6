package io.rhizome.crdt.internal;

import org.osgi.service.component.annotations.Component;

import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.crdt.CrdtTypeName;

/** The built-in {@code lww-register} type as a DS service. */
@Component(service = CrdtType.class)
@CrdtTypeName(type = "lww-register")
public class LwwRegisterType extends BuiltinType {

    public LwwRegisterType() {
        super("lww-register", "one JSON value; the write with the latest hybrid-logical-clock time wins, ties by replica id", LwwRegisterReplica::new);
    }
}
