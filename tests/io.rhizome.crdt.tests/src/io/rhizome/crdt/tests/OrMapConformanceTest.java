package io.rhizome.crdt.tests;

import java.util.Optional;
import java.util.Random;

import com.fasterxml.jackson.databind.JsonNode;

import io.rhizome.crdt.tests.conformance.CrdtTypeConformance;
import io.rhizome.spi.crdt.CrdtReplica;
import io.rhizome.spi.crdt.CrdtType;

/** The built-in {@code or-map} service against the CRDT conformance suite. */
class OrMapConformanceTest extends CrdtTypeConformance {

    @Override
    protected CrdtType type() {
        return BuiltinTypes.get("or-map");
    }

    @Override
    protected JsonNode randomIntent(Random random, CrdtReplica replica) {
        return Intents.forType("or-map", random, replica);
    }

    /** A removed key that is updated again continues from history an export does not carry. */
    @Override
    protected boolean importsOverEarlierImports() {
        return false;
    }

    @Override
    protected Optional<CrdtType> lookup(String name) {
        return BuiltinTypes.lookup(name);
    }
}
