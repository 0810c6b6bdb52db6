package io.rhizome.transport.libp2p.tests;

import io.rhizome.testsupport.BundleClassPath;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * mDNS discovery and rendezvous over real multicast, isolated from the LAN: {@link MdnsNetnsMain}
 * runs in a JVM inside a fresh network namespace with only loopback ({@code unshare -rn}, loopback
 * up with multicast and a multicast route). If a namespace cannot be created the test fails and
 * says why; it never skips.
 */
class MdnsNetnsTest {

    /** Bundles whose code the child JVM needs, by symbolic-name prefix. */
    private static final List<String> CLASSPATH_BUNDLES = List.of("io.rhizome.transport.libp2p", "io.rhizome.api",
            "io.netty.", "bcprov", "slf4j.api");

    @Test
    void twoNodesInALoopbackOnlyNamespaceFindEachOtherByMdnsAndByRendezvous() throws Exception {
        for (String tool : List.of("unshare", "ip")) {
            assertTrue(onPath(tool), tool + " is not on the PATH: the mDNS test needs util-linux (unshare) and iproute2 (ip) "
                    + "to create a loopback-only network namespace");
        }
        Path out = Files.createTempFile("mdns-netns", ".log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String setup = "ip link set lo up && ip link set lo multicast on && ip route add 224.0.0.0/4 dev lo || "
                + "{ echo 'NETNS-SETUP-FAILED: cannot configure loopback multicast in the namespace'; exit 3; }; exec \"$@\"";
        List<String> cmd = new ArrayList<>(List.of("unshare", "-rn", "sh", "-c", setup, "sh", java, "-cp", BundleClassPath.of(MdnsNetnsTest.class, CLASSPATH_BUNDLES),
                MdnsNetnsMain.class.getName(), JsPeer.jsDir().getAbsolutePath()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        boolean done = p.waitFor(180, TimeUnit.SECONDS);
        if (!done) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        String log = Files.readString(out, StandardCharsets.UTF_8);
        Files.deleteIfExists(out);
        if (!done) {
            fail("the mDNS check in the network namespace did not finish within 180 s:\n" + log);
        }
        if (log.contains("unshare:") || log.contains("NETNS-SETUP-FAILED")) {
            fail("cannot create a loopback-only network namespace (run as root or enable unprivileged user namespaces, "
                    + "e.g. sysctl kernel.unprivileged_userns_clone=1):\n" + log);
        }
        assertEquals(0, p.exitValue(), log);
        assertTrue(log.contains("A discovered device ") && log.contains("rendezvous: C found") && log.strip().endsWith("OK"), log);
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

}
