package io.rhizome.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two real daemons in two network namespaces joined by a veth pair ({@code wireguard-nodes.sh}):
 * paired over libp2p, then restarted with libp2p confined to each namespace's loopback and the
 * WireGuard transport on; a write crosses through the tunnel only (the peer's link reports
 * {@code wireguard}, {@code rhizome wg show} shows handshake and endpoint), and a backlog of counter
 * increments made while the tunnel is down ({@code ip link set ... down}) arrives exactly once it is
 * up again; a revoked device's WireGuard peer is removed from the interface (stock {@code wg show}
 * agrees) and its TCP connection attempts no longer reach the listener. Needs root, iproute2, wireguard-go and wg (CI has them); fails, never skips, without.
 */
class NodeWireGuardTest {

    @TempDir
    Path tmp;

    @Test
    void twoNodesPairOverLibp2pThenSyncThroughTheTunnelAcrossACutAndARevokedPeerIsRemoved() throws Exception {
        String out = runScenario("wireguard-nodes.sh");
        assertTrue(out.contains("WIREGUARD-NODES-OK"), out);
        assertTrue(out.contains("the plaintext key file was taken over by the key service"), out);
    }

    /**
     * Three daemons in three namespaces on a bridge ({@code wireguard-mesh.sh}), no {@code wg.peers}:
     * pairing alone makes every node a WireGuard peer of the other two; with libp2p confined to
     * loopback every pair syncs through the tunnel; a node down and back catches up; the WireGuard
     * bundle stopped and started in a running node (its Gogo console) with writes queued loses
     * nothing; a revoked node's peer leaves both other interfaces and its packets reach no listener.
     */
    @Test
    void threePairedNodesConfigureEachOthersTunnelsSurviveANodeDownAndABundleSwapAndDropARevokedOne() throws Exception {
        String out = runScenario("wireguard-mesh.sh");
        assertTrue(out.contains("paired: every node has the other two as WireGuard peers from pairing alone"), out);
        assertTrue(out.contains("every pair synced through the tunnel"), out);
        assertTrue(out.contains("B was down and came back"), out);
        assertTrue(out.contains("bundle stopped with 20 writes queued and started again: the counter arrived exactly"), out);
        assertTrue(out.contains("WIREGUARD-MESH-OK"), out);
    }

    private String runScenario(String name) throws Exception {
        Path script = tmp.resolve(name);
        try (InputStream in = NodeWireGuardTest.class.getResourceAsStream("/" + name)) {
            Files.write(script, in.readAllBytes());
        }
        File log = tmp.resolve(name + ".log").toFile();
        String tag = String.valueOf(ProcessHandle.current().pid() % 100_000);
        Process p = new ProcessBuilder("bash", script.toString(), NodeProcess.ROOT.toString(), tmp.toString(), tag)
                .redirectErrorStream(true).redirectOutput(log).start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroy();
            p.waitFor(30, TimeUnit.SECONDS);
            fail("the WireGuard scenario " + name + " did not finish within 10 minutes:\n" + Files.readString(log.toPath(), StandardCharsets.UTF_8));
        }
        String out = Files.readString(log.toPath(), StandardCharsets.UTF_8);
        assertTrue(!out.contains("NETNS-SETUP-FAILED"), "cannot set up the namespaces (needs root, iproute2, wireguard-go, wg):\n" + out);
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    /**
     * A node configured for WireGuard where it cannot run it (the wireguard-go path points at
     * nothing, as on a machine without the package) says why in {@code status}, {@code plugins} and
     * {@code wg show}, and still pairs and syncs over libp2p on loopback.
     */
    @Test
    void aNodeThatCannotRunWireGuardSaysWhyAndKeepsSyncingOverLibp2p() throws Exception {
        Path a = NodeProcess.loopbackHome(tmp, "a");
        Path b = NodeProcess.loopbackHome(tmp, "b");
        Files.writeString(a.resolve("rhizome.properties"), "wg.enabled=true\nwg.meshId=unavailable-it\nwg.wireguardGo=/nonexistent/wireguard-go\n",
                java.nio.file.StandardOpenOption.APPEND);
        try (NodeProcess na = NodeProcess.start(a).awaitReady(); NodeProcess nb = NodeProcess.start(b).awaitReady()) {
            com.fasterxml.jackson.databind.JsonNode wg = NodeProcess.json(NodeProcess.cli("status", "--json", "--home", a.toString()))
                    .path("transports").path("wireguard");
            assertEquals(false, wg.path("available").asBoolean(true), wg.toString());
            assertTrue(wg.path("unavailable").asText().contains("/nonexistent/wireguard-go is not an executable file"), wg.toString());
            NodeProcess.CliResult show = NodeProcess.cli("wg", "show", "--home", a.toString());
            assertEquals(0, show.exitCode(), show.stderr());
            assertTrue(show.stdout().startsWith("WireGuard unavailable: /nonexistent/wireguard-go"), show.stdout());
            String plugins = NodeProcess.cli("plugins", "--json", "--home", a.toString()).stdout();
            assertTrue(plugins.contains("\"wireguard.unavailable\"") && plugins.contains("/nonexistent/wireguard-go"), plugins);

            com.fasterxml.jackson.databind.JsonNode invitation = NodeProcess.json(NodeProcess.cli("pair", "--no-wait", "--json", "--home", a.toString()));
            NodeProcess.CliResult join = NodeProcess.cli("join", invitation.path("code").asText(), "--addr",
                    invitation.path("addresses").get(0).asText(), "--home", b.toString());
            assertEquals(0, join.exitCode(), join.stderr() + join.stdout() + "\n--- A ---\n" + na.output());
            assertEquals(0, NodeProcess.cli("put", "notes", "still", "\"over libp2p\"", "--home", a.toString()).exitCode());
            NodeProcess.awaitValue(b, "notes", "still", "\"over libp2p\"", java.time.Duration.ofSeconds(30));
        }
    }
}
