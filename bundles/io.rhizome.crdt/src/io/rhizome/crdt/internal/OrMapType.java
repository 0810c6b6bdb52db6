package io.rhizome.crdt.internal;

import org.osgi.service.component.annotations.Component;

import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.crdt.CrdtTypeName;

/** The built-in {@code or-map} type as a DS service. */
@Component(service = CrdtType.class)
@CrdtTypeName(type = "or-map")
public class OrMapType extends BuiltinType {

    public OrMapType() {
        super("or-map", "map of keys to nested CRDTs; updates merge, an update concurrent with a remove wins", OrMapReplica::new);
    }
}
