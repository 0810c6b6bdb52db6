package io.rhizome.crdt.tests;

import java.util.Optional;
import java.util.Random;

import com.fasterxml.jackson.databind.JsonNode;

import io.rhizome.crdt.tests.conformance.CrdtTypeConformance;
import io.rhizome.spi.crdt.CrdtReplica;
import io.rhizome.spi.crdt.CrdtType;

/** The built-in {@code text} service against the CRDT conformance suite. */
class TextConformanceTest extends CrdtTypeConformance {

    @Override
    protected CrdtType type() {
        return BuiltinTypes.get("text");
    }

    @Override
    protected JsonNode randomIntent(Random random, CrdtReplica replica) {
        return Intents.forType("text", random, replica);
    }

    @Override
    protected Optional<CrdtType> lookup(String name) {
        return BuiltinTypes.lookup(name);
    }
}
