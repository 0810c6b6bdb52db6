package io.rhizome.transport.wireguard.tests;

import io.rhizome.spi.transport.Transport;
import io.rhizome.testsupport.transport.TransportConformanceSuite;
import io.rhizome.transport.wireguard.internal.tunnel.TunnelTransport;
import io.rhizome.transport.wireguard.internal.uapi.UapiText;

/**
 * The tunnel transport against the transport conformance suite, through a real WireGuard tunnel
 * ({@link TunnelPair}). Not run by surefire itself (the name does not end in Test): it needs the
 * namespace {@link WireGuardConformanceNetnsTest} runs it in, through {@link ConformanceMain}.
 */
public class WireGuardConformance extends TransportConformanceSuite {

    /** Set by {@link ConformanceMain} before the suite runs. */
    static volatile TunnelPair pair;

    @Override
    protected Transport newFirst() {
        return new TunnelTransport(pair.addressA, 0, pair.directory, 5_000);
    }

    @Override
    protected Transport newSecond() {
        return new TunnelTransport(pair.addressB, 0, pair.directory, 5_000);
    }

    @Override
    protected String firstDeviceId() {
        return TunnelPair.DEVICE_A;
    }

    @Override
    protected String secondDeviceId() {
        return TunnelPair.DEVICE_B;
    }

    @Override
    protected String unreachableAddress() {
        // B's tunnel address, a port nobody listens on: the tunnel carries the refusal back
        return "[" + UapiText.format(pair.addressB) + "]:9";
    }
}
