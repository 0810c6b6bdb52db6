package io.rhizome.crdt.internal;

import org.osgi.service.component.annotations.Component;

import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.crdt.CrdtTypeName;

/** The built-in {@code lww-map} type as a DS service. */
@Component(service = CrdtType.class)
@CrdtTypeName(type = "lww-map")
public class LwwMapType extends BuiltinType {

    public LwwMapType() {
        super("lww-map", "map of keys to JSON values or nested CRDTs; per key the latest write wins", LwwMapReplica::new);
    }
}
