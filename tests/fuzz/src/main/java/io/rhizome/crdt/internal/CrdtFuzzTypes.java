package io.rhizome.crdt.internal;

import java.util.Optional;
import java.util.function.Function;

import io.rhizome.spi.crdt.CrdtType;

/** The built-in types by name, for targets outside this package that need an engine. */
public final class CrdtFuzzTypes {

    public static final Function<String, Optional<CrdtType>> LOOKUP =
            name -> CrdtFuzz.ALL.stream().filter(t -> t.name().equals(name)).findFirst();

    private CrdtFuzzTypes() {
    }
}
