package io.rhizome.crdt.internal;

import org.osgi.service.component.annotations.Component;

import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.crdt.CrdtTypeName;
import io.rhizome.crdt.internal.seq.ListReplica;

/** The built-in {@code list} type as a DS service. */
@Component(service = CrdtType.class)
@CrdtTypeName(type = "list")
public class ListType extends BuiltinType {

    public ListType() {
        super("list", "ordered list of JSON values; concurrent inserts at one place never interleave", ListReplica::new);
    }
}
