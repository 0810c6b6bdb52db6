package io.rhizome.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A receiving daemon killed with SIGKILL while batches of change sets stream in over libp2p: after
 * a restart it resumes from its last durable point and ends with exactly the sender's state —
 * nothing lost, nothing applied twice (counters would show a double application).
 */
class NodeCrashDuringSyncTest {

    static final int KEYS = 100_000;

    @TempDir
    Path tmp;



    /** Number of keys the node holds in namespace visits, via REST (-1 if it does not answer). */
    private static int keys(NodeProcess node) {
        try {
            String key = node.apiJson().path("apiKey").asText();
            HttpResponse<String> r = node.request("GET", "/api/v1/ns/visits", key);
            return r.statusCode() == 200 ? NodeProcess.JSON.readTree(r.body()).path("keys").size() : r.statusCode() == 404 ? 0 : -1;
        } catch (Exception e) {
            return -1;
        }
    }

    @Test
    void receiverKilledDuringAnIncomingBatchConvergesExactly() throws Exception {
        Path a = NodeProcess.loopbackHome(tmp, "a");
        Path b = NodeProcess.loopbackHome(tmp, "b");
        Path data = tmp.resolve("visits.jsonl");
        StringBuilder sb = new StringBuilder();
        long expectedSum = 0;
        for (int i = 0; i < KEYS; i++) {
            int v = 1 + i % 7;
            expectedSum += v;
            sb.append("{\"namespace\":\"visits\",\"key\":\"k").append(i).append("\",\"value\":").append(v).append("}\n");
        }
        Files.writeString(data, sb);

        try (NodeProcess na = NodeProcess.start(a).awaitReady()) {
            assertEquals(0, NodeProcess.cli("ns", "create", "visits", "pn-counter", "--home", a.toString()).exitCode());
            JsonNode inv = NodeProcess.json(NodeProcess.cli("pair", "--no-wait", "--json", "--home", a.toString()));
            NodeProcess nb = NodeProcess.start(b).awaitReady();
            try {
                NodeProcess.CliResult join = NodeProcess.cli("join", inv.path("code").asText(), "--addr", inv.path("addresses").get(0).asText(),
                        "--home", b.toString());
                assertEquals(0, join.exitCode(), join.stderr());
                // A declaration is a change set: made after joining (before, the node would hold data of its own and could
                // not join). Declaring what the mesh declares, or will, changes nothing.
                assertEquals(0, NodeProcess.cli("ns", "create", "visits", "pn-counter", "--home", b.toString()).exitCode());
                nb.terminate();
            } finally {
                nb.close();
            }
            // B is offline while A writes the whole backlog
            NodeProcess.CliResult imp = NodeProcess.cli("import", data.toString(), "--home", a.toString());
            assertEquals(0, imp.exitCode(), imp.stderr());
            assertEquals(KEYS, keys(na));

            int killedAt = -1;
            try (NodeProcess receiving = NodeProcess.start(b).awaitReady()) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (System.nanoTime() < deadline) {
                    int n = keys(receiving);
                    if (n > 0) {
                        receiving.process.destroyForcibly(); // SIGKILL as soon as batches are being applied
                        receiving.process.waitFor(30, TimeUnit.SECONDS);
                        killedAt = n;
                        break;
                    }
                    Thread.sleep(2);
                }
            }
            System.out.println("receiver killed with " + killedAt + " of " + KEYS + " entities applied");
            assertTrue(killedAt > 0 && killedAt < KEYS, "the receiver must be killed in the middle of the backlog, was at " + killedAt);

            try (NodeProcess restarted = NodeProcess.start(b).awaitReady()) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
                while (keys(restarted) < KEYS && System.nanoTime() < deadline) {
                    Thread.sleep(200);
                }
                assertEquals(KEYS, keys(restarted), "everything arrived after the restart\n" + restarted.output());
                String exportA = NodeProcess.cli("export", "--ns", "visits", "--home", a.toString()).stdout();
                String exportB = NodeProcess.cli("export", "--ns", "visits", "--home", b.toString()).stdout();
                assertEquals(sorted(exportA), sorted(exportB), "every counter on B equals A's: nothing lost, nothing applied twice");
                long sum = 0;
                for (String line : exportB.strip().split("\n")) {
                    sum += NodeProcess.JSON.readTree(line).path("value").asLong();
                }
                assertEquals(expectedSum, sum);
            }
        }
    }

    private static String sorted(String lines) {
        return String.join("\n", lines.strip().lines().sorted().toList());
    }
}
