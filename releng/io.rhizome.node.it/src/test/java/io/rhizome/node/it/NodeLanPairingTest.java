package io.rhizome.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rhizome join CODE} without an address: two daemons in a fresh network namespace with only
 * loopback (real multicast, isolated from the machine's LAN) find each other by the code's
 * rendezvous key over mDNS, pair, and a write crosses; after one daemon moves to another port, mDNS
 * discovery of the paired device reconnects them. Needs {@code unshare} and {@code ip} and the
 * right to create namespaces (CI runs as root); without them the test fails and says so.
 */
class NodeLanPairingTest {

    @TempDir
    Path tmp;

    @Test
    void joinFindsTheInviterOnTheLocalNetwork() throws Exception {
        Path script = tmp.resolve("lan-pairing.sh");
        try (InputStream in = NodeLanPairingTest.class.getResourceAsStream("/lan-pairing.sh")) {
            Files.write(script, in.readAllBytes());
        }
        Process p = new ProcessBuilder("unshare", "-rn", "bash", script.toString(), NodeProcess.ROOT.toString(), tmp.toString())
                .redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the LAN pairing scenario did not finish");
        String log = new String(out, StandardCharsets.UTF_8);
        assertTrue(!log.contains("unshare:") && !log.contains("NETNS-SETUP-FAILED"),
                "cannot create a network namespace here (needs unshare, ip and root or user namespaces):\n" + log);
        assertEquals(0, p.exitValue(), log);
        assertTrue(log.contains("LAN-PAIRING-OK"), log);
    }
}
