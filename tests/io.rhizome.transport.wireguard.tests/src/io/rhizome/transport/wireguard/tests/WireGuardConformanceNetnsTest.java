package io.rhizome.transport.wireguard.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * The WireGuard transport passes the transport conformance suite through a real tunnel: the suite
 * ({@link WireGuardConformance}) runs in a JVM inside a network namespace of its own, where
 * {@link TunnelPair} joins two wireguard-go interfaces over loopback UDP. Fails (never skips) where
 * namespaces or wireguard-go are missing.
 */
class WireGuardConformanceNetnsTest {

    private static final List<String> BUNDLES = List.of("io.rhizome.transport.wireguard", "io.rhizome.api", "io.rhizome.testsupport", "io.rhizome.conformance",
            "bcprov", "slf4j.api", "ch.qos.logback.", "junit-jupiter-api", "junit-jupiter-engine", "junit-platform-commons",
            "junit-platform-engine", "junit-platform-launcher", "org.opentest4j");

    @Test
    void theTunnelTransportPassesTheTransportConformanceSuiteThroughARealTunnel() throws Exception {
        try (Netns net = Netns.create()) {
            File log = Files.createTempFile("wg-conformance", ".log").toFile();
            Process p = net.javaMain(net.a, log, ConformanceMain.class.getName(), BUNDLES, net.wgName(net.a, "ca"), net.wgName(net.a, "cb"));
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                fail("the conformance suite in the namespace did not finish within 300 s:\n" + Files.readString(log.toPath()));
            }
            String out = Files.readString(log.toPath());
            assertEquals(0, p.exitValue(), out);
            assertTrue(out.contains("CONFORMANCE-OK 9"), "all nine conformance tests passed through the tunnel:\n" + out);
        }
    }
}
