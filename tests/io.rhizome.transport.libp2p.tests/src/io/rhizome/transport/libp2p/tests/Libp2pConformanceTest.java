package io.rhizome.transport.libp2p.tests;

import java.io.IOException;
import java.net.ServerSocket;

import io.rhizome.spi.transport.Transport;
import io.rhizome.testsupport.transport.TransportConformanceSuite;
import io.rhizome.transport.libp2p.internal.KeyServiceSigner;
import io.rhizome.transport.libp2p.internal.Libp2pTransport;

/** The libp2p transport against the engine's transport conformance suite, over real loopback TCP. */
class Libp2pConformanceTest extends TransportConformanceSuite {

    private final TestKeys firstKeys = TestKeys.random();
    private final TestKeys secondKeys = TestKeys.random();

    @Override
    protected Transport newFirst() {
        return new Libp2pTransport(new KeyServiceSigner(firstKeys), Nodes.config());
    }

    @Override
    protected Transport newSecond() {
        return new Libp2pTransport(new KeyServiceSigner(secondKeys), Nodes.config());
    }

    @Override
    protected String firstDeviceId() {
        return firstKeys.deviceId();
    }

    @Override
    protected String secondDeviceId() {
        return secondKeys.deviceId();
    }

    @Override
    protected String unreachableAddress() {
        // a port that was free a moment ago: nobody listens there
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return "/ip4/127.0.0.1/tcp/" + s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
