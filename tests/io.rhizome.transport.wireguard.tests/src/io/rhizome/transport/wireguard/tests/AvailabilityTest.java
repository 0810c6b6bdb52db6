package io.rhizome.transport.wireguard.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.rhizome.transport.wireguard.internal.InterfaceSettings;
import io.rhizome.transport.wireguard.internal.WireGuardAvailability;

/**
 * Each missing prerequisite is named in the reason the transport will report, from a made-up
 * {@code /proc/self/status} and, for real, in a JVM dropped to an unprivileged user with no
 * capabilities ({@code setpriv}, as root in CI).
 */
class AvailabilityTest {

    @Test
    void aProcessWithoutCapNetAdminIsToldSoWhileRootIsNot() throws Exception {
        assertTrue(Netns.onPath("setpriv"), "setpriv (util-linux) is not on the PATH: this test drops a JVM to an unprivileged user with it");
        assertTrue(WireGuardAvailability.check(InterfaceSettings.DEFAULT_WIREGUARD_GO).isEmpty(),
                "as root with wireguard-go installed (CI), WireGuard is available: " + WireGuardAvailability.check(InterfaceSettings.DEFAULT_WIREGUARD_GO));
        java.io.File log = Files.createTempFile("wg-unprivileged", ".log").toFile();
        log.setWritable(true, false);
        Process p = CommandRunnerAccess.start(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
                "--bounding-set=-all"), log, AvailabilityMain.class.getName(), InterfaceSettings.DEFAULT_WIREGUARD_GO.toString());
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "the unprivileged JVM finished");
        String out = Files.readString(log.toPath());
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.startsWith("UNAVAILABLE ") && out.contains("this process lacks CAP_NET_ADMIN"), out);
        // a root-only /dev/net/tun (mode 0600, as on some hosts) is named too, in the same sentence
        boolean tunOpenToAll = Files.getPosixFilePermissions(Path.of("/dev/net/tun")).contains(java.nio.file.attribute.PosixFilePermission.OTHERS_WRITE);
        assertEquals(!tunOpenToAll, out.contains("/dev/net/tun is not readable and writable by this process"), out);
    }

    @Test
    void aMissingTunDeviceOrCapabilityIsNamed(@TempDir Path dir) throws Exception {
        Path status = dir.resolve("status");
        Files.writeString(status, "Name:\tjava\nCapInh:\t0000000000000000\nCapEff:\t0000000000000000\n");
        String noTun = WireGuardAvailability.check(InterfaceSettings.DEFAULT_WIREGUARD_GO, dir.resolve("tun"), status).orElseThrow();
        assertTrue(noTun.contains("tun") && noTun.contains("does not exist"), noTun);
        assertTrue(noTun.contains("; this process lacks CAP_NET_ADMIN"), "every missing prerequisite is named at once: " + noTun);

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
