package io.rhizome.core.tests.transport;

import io.rhizome.spi.transport.Transport;
import io.rhizome.testsupport.transport.TransportConformanceSuite;
import io.rhizome.transport.memory.MemoryNetwork;

/** The in-memory transport against the transport conformance suite. */
class MemoryTransportConformanceTest extends TransportConformanceSuite {

    /** Small enough that the large-message test stays fast, large enough to matter. */
    private static final int MAX = 4 * 1024 * 1024;

    private final MemoryNetwork network = new MemoryNetwork(MAX);

    @Override
    protected Transport newFirst() {
        return network.endpoint("first");
    }

    @Override
    protected Transport newSecond() {
        return network.endpoint("second");
    }

    @Override
    protected String firstDeviceId() {
        return "first";
    }

    @Override
    protected String secondDeviceId() {
        return "second";
    }

    @Override
    protected String unreachableAddress() {
        return MemoryNetwork.address("nobody");
    }
}
