package io.rhizome.crdt.tests;

import java.util.Random;

import com.fasterxml.jackson.databind.JsonNode;

import io.rhizome.crdt.tests.conformance.CrdtTypeConformance;
import io.rhizome.testsupport.crdt.MaxRegisterType;
import io.rhizome.spi.crdt.CrdtReplica;
import io.rhizome.spi.crdt.CrdtType;

/** A third-party type runs the same conformance suite as the built-in ones. */
class MaxRegisterConformanceTest extends CrdtTypeConformance {

    @Override
    protected CrdtType type() {
        return new MaxRegisterType();
    }

    @Override
    protected JsonNode randomIntent(Random random, CrdtReplica replica) {
        return JSON.objectNode().put("op", "set").put("value", random.nextInt(1000) - 500);
    }
}
