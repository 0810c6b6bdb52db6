package io.rhizome.transport.wireguard.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.rhizome.transport.wireguard.internal.InterfaceSettings;
import io.rhizome.transport.wireguard.internal.WireGuardAvailability;

/** Each missing prerequisite is named in the reason the transport will report. */
class AvailabilityTest {

    @Test
    void aMissingTunDeviceOrCapabilityIsNamed(@TempDir Path dir) throws Exception {
        Path status = dir.resolve("status");
        Files.writeString(status, "Name:\tjava\nCapInh:\t0000000000000000\nCapEff:\t0000000000000000\n");
        String noTun = WireGuardAvailability.check(InterfaceSettings.DEFAULT_WIREGUARD_GO, dir.resolve("tun"), status).orElseThrow();
        assertTrue(noTun.contains("tun") && noTun.contains("does not exist"), noTun);

        Path tun = dir.resolve("fake-tun");
        Files.writeString(tun, "");
        Path binary = dir.resolve("wireguard-go");
        Files.writeString(binary, "#!/bin/sh\n");
        binary.toFile().setExecutable(true);
        String noCap = WireGuardAvailability.check(binary, tun, status).orElseThrow();
        assertTrue(noCap.contains("lacks CAP_NET_ADMIN"), noCap);

        Files.writeString(status, "CapEff:\t0000000000001000\n");
        assertTrue(WireGuardAvailability.check(binary, tun, status).isEmpty(), "bit 12 is CAP_NET_ADMIN");
    }
}
