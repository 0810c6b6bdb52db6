package io.rhizome.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Four real daemons over loopback libp2p under the enterprise policy, set up with the CLI as the
 * README's "Enterprise" walkthrough does: admin alice; bob (member, team hr); carol (member, team
 * eng); dave (read-only, team hr). Each sees exactly what its rights allow; dave's write is refused
 * by every receiver and audited; bad requests and a forged statement change nothing.
 */
class NodeEnterpriseTest {

    static final Duration SYNC_TIMEOUT = Duration.ofSeconds(45);

    @TempDir
    Path tmp;

    private static NodeProcess.CliResult cli(Path home, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--home");
        all.add(home.toString());
        return NodeProcess.cli(all.toArray(String[]::new));
    }

    private static String id(Path home) throws Exception {
        return NodeProcess.json(cli(home, "identity", "--json")).path("deviceId").asText();
    }

    private static void pair(Path inviter, Path joiner) throws Exception {
        JsonNode inv = NodeProcess.json(cli(inviter, "pair", "--no-wait", "--json"));
        NodeProcess.CliResult join = cli(joiner, "join", inv.path("code").asText(), "--addr", inv.path("addresses").get(0).asText());
        assertEquals(0, join.exitCode(), join.stderr() + join.stdout());
    }

    private static JsonNode org(Path home) throws Exception {
        return NodeProcess.json(cli(home, "org", "show", "--json"));
    }

    private static List<JsonNode> audit(Path home) throws Exception {
        NodeProcess.CliResult r = cli(home, "audit", "--json");
        assertEquals(0, r.exitCode(), r.stderr());
        List<JsonNode> out = new ArrayList<>();
        for (String line : r.stdout().split("\n")) {
            if (!line.isBlank()) {
                out.add(NodeProcess.JSON.readTree(line));
            }
        }
        return out;
    }

    /** Polls until {@code condition} holds on what {@code probe} returns; fails at the deadline with the last answer. */
    private static <T> void await(String what, ThrowingSupplier<T> probe, Predicate<T> condition) throws Exception {
        long deadline = System.nanoTime() + SYNC_TIMEOUT.toNanos();
        T last = null;
        while (System.nanoTime() < deadline) {
            last = probe.get();
            if (condition.test(last)) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("timed out after " + SYNC_TIMEOUT + " waiting for: " + what + "; last: " + last);
    }

    @FunctionalInterface
    private interface ThrowingSupplier<T> {
        T get() throws Exception;
    }

    /** Exit code 0, or a failure that shows what the command said. */
    private static void assertOk(NodeProcess.CliResult r) {
        assertEquals(0, r.exitCode(), () -> "stdout: " + r.stdout() + " stderr: " + r.stderr());
    }

    private static boolean lacks(Path home, String ns, String key) throws Exception {
        return cli(home, "get", ns, key).exitCode() == 1;
    }

    @Test
    void fourDevicesSeeExactlyWhatTheirRightsAllowAndTheReadOnlyWriteIsRefusedByAllAndAudited() throws Exception {
        Path alice = NodeProcess.loopbackHome(tmp, "alice");
        Path bob = NodeProcess.loopbackHome(tmp, "bob");
        Path carol = NodeProcess.loopbackHome(tmp, "carol");
        Path dave = NodeProcess.loopbackHome(tmp, "dave");
        try (NodeProcess na = NodeProcess.start(alice).awaitReady(); NodeProcess nb = NodeProcess.start(bob).awaitReady();
                NodeProcess nc = NodeProcess.start(carol).awaitReady(); NodeProcess nd = NodeProcess.start(dave).awaitReady()) {
            for (Path p : List.of(bob, carol, dave)) {
                pair(alice, p);
            }
            assertOk(cli(alice, "org", "create", "acme", "--member", "alice"));
            assertOk(cli(alice, "member", "add", "bob", "--role", "member", "--team", "hr", "--device", id(bob)));
            assertOk(cli(alice, "member", "add", "carol", "--role", "member", "--team", "eng", "--device", id(carol)));
            assertOk(cli(alice, "member", "add", "dave", "--role", "read-only", "--team", "hr", "--device", id(dave)));
            assertOk(cli(alice, "acl", "grant", "--team", "hr", "--namespace", "acme.hr.*", "--write"));
            assertOk(cli(alice, "acl", "grant", "--team", "eng", "--namespace", "acme.eng.*", "--write"));
            int statements = org(alice).path("statements").asInt();
            assertEquals(9, statements, org(alice).toString());
            for (Path p : List.of(bob, carol, dave)) {
                await(p.getFileName() + " counts every statement", () -> org(p),
                        o -> o.path("statements").asInt() == statements && o.path("acl").size() == 2 && o.path("rejected").isEmpty());
            }
            assertEquals("read-only", org(dave).path("role").asText());

            // Bad input, and a member trying to grant: refused with a sentence, nothing published.
            NodeProcess.CliResult notAdmin = cli(bob, "acl", "grant", "--role", "member", "--namespace", "acme.*", "--write");
            assertEquals(1, notAdmin.exitCode());
            assertTrue(notAdmin.stderr().contains("is not a device of an admin"), notAdmin.stderr());
            NodeProcess.CliResult role = cli(alice, "member", "add", "erin", "--role", "boss");
            assertEquals(1, role.exitCode());
            assertTrue(role.stderr().contains("unknown role 'boss'"), role.stderr());
            NodeProcess.CliResult pattern = cli(alice, "acl", "grant", "--team", "hr", "--namespace", "acme.*.x");
            assertEquals(1, pattern.exitCode());
            assertTrue(pattern.stderr().contains("malformed namespace pattern 'acme.*.x'"), pattern.stderr());
            NodeProcess.CliResult usage = cli(alice, "acl", "grant", "--namespace", "acme.x");
            assertEquals(2, usage.exitCode(), "neither --role nor --team: usage");
            assertEquals(statements, org(alice).path("statements").asInt());
            assertEquals(statements, org(bob).path("statements").asInt());

            // Data: each device gets what its rights allow.
            assertOk(cli(alice, "put", "acme.hr.payroll", "q1", "\"salaries\""));
            assertOk(cli(alice, "put", "acme.eng.src", "main", "\"code\""));
            assertOk(cli(bob, "put", "acme.hr.payroll", "q2", "\"from bob\""));
            NodeProcess.awaitValue(dave, "acme.hr.payroll", "q1", "\"salaries\"", SYNC_TIMEOUT);
            NodeProcess.awaitValue(dave, "acme.hr.payroll", "q2", "\"from bob\"", SYNC_TIMEOUT);
            NodeProcess.awaitValue(alice, "acme.hr.payroll", "q2", "\"from bob\"", SYNC_TIMEOUT);
            NodeProcess.awaitValue(carol, "acme.eng.src", "main", "\"code\"", SYNC_TIMEOUT);
            NodeProcess.awaitValue(bob, "acme.hr.payroll", "q1", "\"salaries\"", SYNC_TIMEOUT);

            // Dave (read-only) writes: every receiver refuses it, and audits it by its author.
            assertOk(cli(dave, "put", "acme.hr.payroll", "q3", "\"from dave\""));
            for (Path p : List.of(alice, bob)) {
                await(p.getFileName() + " audits dave's refused write", () -> audit(p), records -> records.stream().anyMatch(r ->
                        r.path("decision").asText().equals("deny-receive") && r.path("member").asText().equals("dave")
                                && r.path("namespace").asText().equals("acme.hr.payroll") && r.path("rule").asText().contains("read-only")
                                && !r.path("statement").asText().isEmpty() && !r.path("time").asText().isEmpty()));
            }
            await("dave's status names the refusal", () -> cli(dave, "status").stdout(), s -> s.contains("held back outgoing: acme.hr.payroll")
                    && s.contains("is read-only and may not write"));

            // Markers: once they arrived, what did not arrive never will from this exchange.
            assertOk(cli(alice, "put", "acme.hr.payroll", "marker", "1"));
            assertOk(cli(alice, "put", "acme.eng.src", "marker", "1"));
            NodeProcess.awaitValue(bob, "acme.hr.payroll", "marker", "1", SYNC_TIMEOUT);
            NodeProcess.awaitValue(dave, "acme.hr.payroll", "marker", "1", SYNC_TIMEOUT);
            NodeProcess.awaitValue(carol, "acme.eng.src", "marker", "1", SYNC_TIMEOUT);
            assertTrue(lacks(alice, "acme.hr.payroll", "q3") && lacks(bob, "acme.hr.payroll", "q3") && lacks(carol, "acme.hr.payroll", "q3"),
                    "dave's write reached no one");
            assertTrue(lacks(carol, "acme.hr.payroll", "q1") && lacks(carol, "acme.hr.payroll", "marker"), "carol (eng) reads no hr");
            assertTrue(lacks(bob, "acme.eng.src", "main") && lacks(dave, "acme.eng.src", "marker"), "hr reads no eng");
            assertTrue(audit(alice).stream().anyMatch(r -> r.path("decision").asText().equals("deny-send") && r.path("member").asText().equals("carol")
                    && r.path("namespace").asText().equals("acme.hr.payroll")), "the refused send to carol is audited");
            assertTrue(audit(alice).stream().filter(r -> r.path("decision").asText().equals("statement-accepted")).count() >= statements,
                    "every ACL change is audited");

            // A forged statement (bob puts alice's genesis with another action and alice's signature) counts nowhere.
            JsonNode genesis = null;
            JsonNode all = NodeProcess.json(cli(bob, "get", "rhizome.org", "statements"));
            for (JsonNode s : all) {
                if (s.path("action").get(0).asText().equals("member.set") && s.path("action").get(1).asText().equals("bob")) {
                    genesis = s;
                }
            }
            ObjectNode forged = genesis.deepCopy();
            ArrayNode action = forged.putArray("action");
            action.add("member.set").add("bob").add("admin").add("hr");
            ObjectNode intent = NodeProcess.JSON.createObjectNode().put("op", "add");
            intent.set("value", forged);
            NodeProcess.CliResult inject = cli(bob, "mutate", "rhizome.org", "statements", intent.toString());
            assertEquals(0, inject.exitCode(), inject.stderr());
            await("alice audits the forged statement", () -> audit(alice), records -> records.stream().anyMatch(r ->
                    r.path("decision").asText().equals("statement-rejected") && r.path("rule").asText().contains("forged")));
            assertEquals("member", org(alice).path("members").get(1).path("role").asText(), "bob is still a member: " + org(alice));
            assertEquals("member", org(bob).path("role").asText(), "not even bob's own device counts the forgery");

            // Removing carol: her device is revoked from the mesh too (new key epoch) and gets nothing new; she keeps what she had.
            long epoch = NodeProcess.json(cli(alice, "identity", "--json")).path("meshEpoch").asLong();
            NodeProcess.CliResult remove = cli(alice, "member", "remove", "carol");
            assertEquals(0, remove.exitCode(), remove.stderr());
            assertEquals(epoch + 1, NodeProcess.json(cli(alice, "identity", "--json")).path("meshEpoch").asLong());
            String carolId = id(carol);
            assertTrue(NodeProcess.json(cli(alice, "peers", "--json")).path("peers").findValuesAsText("deviceId").stream().noneMatch(carolId::equals),
                    "carol's device is no longer a trusted peer of alice");
            assertOk(cli(alice, "put", "acme.eng.src", "after-removal", "2"));
            assertOk(cli(alice, "put", "acme.hr.payroll", "after-removal", "2"));
            NodeProcess.awaitValue(bob, "acme.hr.payroll", "after-removal", "2", SYNC_TIMEOUT);
            await("carol's device learns it was revoked", () -> NodeProcess.json(cli(carol, "status", "--json")).path("sync").path("revoked"),
                    JsonNode::isTextual);
            assertTrue(lacks(carol, "acme.eng.src", "after-removal"), "carol got a write made after her removal");
            NodeProcess.awaitValue(carol, "acme.eng.src", "main", "\"code\"", SYNC_TIMEOUT);
        }
    }
}
