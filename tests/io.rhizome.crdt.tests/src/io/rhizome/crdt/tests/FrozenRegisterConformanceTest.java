package io.rhizome.crdt.tests;

import java.util.Random;

import com.fasterxml.jackson.databind.JsonNode;

import io.rhizome.crdt.tests.conformance.CrdtTypeConformance;
import io.rhizome.spi.crdt.CrdtReplica;
import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.testsupport.crdt.FrozenRegisterType;

/**
 * A third-party type written before the SPI answered import and delete passes the suite too: its
 * inherited defaults refuse both with a sentence naming it.
 */
class FrozenRegisterConformanceTest extends CrdtTypeConformance {

    @Override
    protected CrdtType type() {
        return new FrozenRegisterType();
    }

    @Override
    protected JsonNode randomIntent(Random random, CrdtReplica replica) {
        return JSON.objectNode().put("op", "set").put("value", random.nextInt(1000) - 500);
    }

    @Override
    protected boolean imports() {
        return false;
    }
}
