package io.rhizome.crdt.tests;

import java.util.Optional;
import java.util.Random;

import com.fasterxml.jackson.databind.JsonNode;

import io.rhizome.crdt.tests.conformance.CrdtTypeConformance;
import io.rhizome.spi.crdt.CrdtReplica;
import io.rhizome.spi.crdt.CrdtType;

/** The built-in {@code lww-register} service against the CRDT conformance suite. */
class LwwRegisterConformanceTest extends CrdtTypeConformance {

    @Override
    protected CrdtType type() {
        return BuiltinTypes.get("lww-register");
    }

    @Override
    protected JsonNode randomIntent(Random random, CrdtReplica replica) {
        return Intents.forType("lww-register", random, replica);
    }

    @Override
    protected Optional<CrdtType> lookup(String name) {
        return BuiltinTypes.lookup(name);
    }
}
