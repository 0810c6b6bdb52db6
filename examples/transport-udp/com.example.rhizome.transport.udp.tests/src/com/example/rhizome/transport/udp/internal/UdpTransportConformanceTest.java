package com.example.rhizome.transport.udp.internal;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;

import io.rhizome.conformance.transport.TransportConformanceSuite;
import io.rhizome.spi.transport.Transport;

/**
 * The example transport against Rhizome's transport conformance suite (from the SDK's
 * io.rhizome.conformance bundle), over real UDP sockets on loopback: every inherited test runs.
 */
class UdpTransportConformanceTest extends TransportConformanceSuite {

    private final JdkIdentity firstId;
    private final JdkIdentity secondId;

    UdpTransportConformanceTest() throws Exception {
        firstId = new JdkIdentity();
        secondId = new JdkIdentity();
    }

    @Override
    protected Transport newFirst() {
        return new UdpTransport(firstId, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    @Override
    protected Transport newSecond() {
        return new UdpTransport(secondId, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    @Override
    protected String firstDeviceId() {
        return firstId.deviceId();
    }

    @Override
    protected String secondDeviceId() {
        return secondId.deviceId();
    }

    @Override
    protected String unreachableAddress() {
        // a port that was free a moment ago: nobody answers there
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return "127.0.0.1:" + s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
