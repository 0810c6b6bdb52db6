package io.rhizome.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The enterprise policy changing under running daemons over loopback libp2p: a member removed
 * while a backlog is crossing to it, and the policy bundle stopped and started again in a running
 * node through its OSGi console (the personal policy decides meanwhile).
 */
class NodeEnterpriseRuntimeTest {

    static final Duration SYNC_TIMEOUT = Duration.ofSeconds(90);
    private static final int BULK = 1500;

    @TempDir
    Path tmp;

    private static NodeProcess.CliResult cli(Path home, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--home");
        all.add(home.toString());
        return NodeProcess.cli(all.toArray(String[]::new));
    }

    private static void assertOk(NodeProcess.CliResult r) {
        assertEquals(0, r.exitCode(), () -> "stdout: " + r.stdout() + " stderr: " + r.stderr());
    }

    private static String id(Path home) throws Exception {
        return NodeProcess.json(cli(home, "identity", "--json")).path("deviceId").asText();
    }

    private static void pair(Path inviter, Path joiner) throws Exception {
        JsonNode inv = NodeProcess.json(cli(inviter, "pair", "--no-wait", "--json"));
        assertOk(cli(joiner, "join", inv.path("code").asText(), "--addr", inv.path("addresses").get(0).asText()));
    }

    private static JsonNode org(Path home) throws Exception {
        return NodeProcess.json(cli(home, "org", "show", "--json"));
    }

    private static Set<String> keys(Path home, String ns) throws Exception {
        NodeProcess.CliResult r = cli(home, "ls", ns);
        Set<String> out = new TreeSet<>();
        for (String line : r.stdout().split("\n")) {
            if (!line.isBlank()) {
                out.add(line.strip());
            }
        }
        return out;
    }

    private static boolean has(Path home, String ns, String key) throws Exception {
        return cli(home, "get", ns, key).exitCode() == 0;
    }

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

    /** Imports {@code BULK} lww-register entities {@code prefix0000…} into {@code ns} on {@code home}. */
    private void bulk(Path home, String ns, String prefix) throws Exception {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < BULK; i++) {
            b.append(String.format("{\"namespace\":\"%s\",\"key\":\"%s%04d\",\"type\":\"lww-register\",\"value\":\"v%d\"}%n", ns, prefix, i, i));
        }
        Path f = Files.writeString(tmp.resolve(prefix + ".jsonl"), b.toString());
        assertOk(cli(home, "import", f.toString()));
    }

    private static Set<String> expected(String prefix) {
        Set<String> out = new TreeSet<>();
        for (int i = 0; i < BULK; i++) {
            out.add(String.format("%s%04d", prefix, i));
        }
        return out;
    }

    /** alice (admin), then each member added with {@code role}, team and device; the ACL entries as "team pattern". */
    private static void organise(Path alice, List<Path> members, List<String> teams, List<String> grants) throws Exception {
        assertOk(cli(alice, "org", "create", "acme", "--member", "alice"));
        for (int i = 0; i < members.size(); i++) {
            Path m = members.get(i);
            assertOk(cli(alice, "member", "add", m.getFileName().toString(), "--role", "member", "--team", teams.get(i), "--device", id(m)));
        }
        for (String g : grants) {
            String[] tp = g.split(" ");
            assertOk(cli(alice, "acl", "grant", "--team", tp[0], "--namespace", tp[1], "--write"));
        }
        int statements = org(alice).path("statements").asInt();
        for (Path m : members) {
            await(m.getFileName() + " counts every statement", () -> org(m),
                    o -> o.path("statements").asInt() == statements && o.path("acl").size() == grants.size());
        }
    }

    @Test
    void aMemberRemovedWhileABacklogIsCrossingGetsNothingWrittenAfterAndTheOthersLoseNothing() throws Exception {
        Path alice = NodeProcess.loopbackHome(tmp, "alice");
        Path bob = NodeProcess.loopbackHome(tmp, "bob");
        Path carol = NodeProcess.loopbackHome(tmp, "carol");
        try (NodeProcess na = NodeProcess.start(alice).awaitReady(); NodeProcess nb = NodeProcess.start(bob).awaitReady();
                NodeProcess nc = NodeProcess.start(carol).awaitReady()) {
            pair(alice, bob);
            pair(alice, carol);
            organise(alice, List.of(bob, carol), List.of("hr", "hr"), List.of("hr acme.hr.*"));

            bulk(alice, "acme.hr.bulk", "a");
            await("bob has started to receive the backlog", () -> keys(bob, "acme.hr.bulk"), k -> !k.isEmpty());
            assertOk(cli(alice, "member", "remove", "bob"));
            bulk(alice, "acme.hr.bulk", "b");
            assertOk(cli(alice, "put", "acme.hr.bulk", "after", "\"after the removal\""));

            Set<String> all = expected("a");
            all.addAll(expected("b"));
            all.add("after");
            await("carol, still a member, gets every write: none lost while bob was removed", () -> keys(carol, "acme.hr.bulk"),
                    k -> k.equals(all));
            Set<String> bobHas = keys(bob, "acme.hr.bulk");
            assertFalse(has(bob, "acme.hr.bulk", "after"), "nothing written after the removal reaches bob");
            assertTrue(bobHas.stream().noneMatch(k -> k.startsWith("b")), "none of the backlog imported after the removal: " + bobHas.size());
            assertTrue(expected("a").containsAll(bobHas), "bob keeps only what was written before: " + bobHas.size());
            assertEquals(Set.of(), bobHas.stream().filter(k -> !all.contains(k)).collect(java.util.stream.Collectors.toSet()));

            // bob's device was revoked from the mesh with the member: a write it makes now reaches nobody.
            assertOk(cli(bob, "put", "acme.hr.bulk", "from-removed-bob", "\"x\""));
            assertOk(cli(alice, "put", "acme.hr.bulk", "marker", "\"m\""));
            await("carol gets alice's marker", () -> has(carol, "acme.hr.bulk", "marker"), x -> x);
            assertFalse(has(alice, "acme.hr.bulk", "from-removed-bob"), "alice takes nothing from bob after his removal");
            assertFalse(has(carol, "acme.hr.bulk", "from-removed-bob"));
        }
    }

    /** The console's bundle id of the enterprise policy, from {@code lb} output in the daemon's log. */
    private static String enterpriseBundleId(NodeProcess node, OutputStream console) throws Exception {
        console.write("lb io.rhizome.policy.enterprise\n".getBytes(StandardCharsets.UTF_8));
        console.flush();
        Pattern row = Pattern.compile("(?m)^\\s*(\\d+)\\|(Active|Resolved|Starting)\\s*\\|\\s*\\d+\\|Rhizome enterprise ACL policy");
        long deadline = System.nanoTime() + SYNC_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            Matcher m = row.matcher(node.output());
            if (m.find()) {
                return m.group(1);
            }
            Thread.sleep(250);
        }
        throw new AssertionError("the console did not list the enterprise policy bundle:\n" + node.output());
    }

    private static boolean enterpriseActive(Path home) throws Exception {
        JsonNode plugins = NodeProcess.json(cli(home, "plugins", "--json")).path("plugins");
        for (JsonNode p : plugins) {
            if (p.path("bundle").asText().equals("io.rhizome.policy.enterprise") && p.path("active").asBoolean()) {
                return true;
            }
        }
        return false;
    }

    @Test
    void thePolicyBundleStoppedAndStartedInARunningNodeChangesItsDecisionsWithNothingLost() throws Exception {
        Path alice = NodeProcess.loopbackHome(tmp, "alice");
        Path bob = NodeProcess.loopbackHome(tmp, "bob");
        Path carol = NodeProcess.loopbackHome(tmp, "carol");
        try (NodeProcess na = NodeProcess.start(alice, "--console").awaitReady(); NodeProcess nb = NodeProcess.start(bob).awaitReady();
                NodeProcess nc = NodeProcess.start(carol).awaitReady()) {
            OutputStream console = na.process.getOutputStream();
            pair(alice, bob);
            pair(alice, carol);
            organise(alice, List.of(bob, carol), List.of("hr", "eng"), List.of("hr acme.hr.*", "eng acme.eng.*"));
            assertTrue(enterpriseActive(alice), "the enterprise policy decides on alice");

            assertOk(cli(alice, "put", "acme.hr.pay", "p1", "\"enterprise\""));
            assertOk(cli(alice, "put", "acme.eng.src", "e1", "\"marker\""));
            await("bob gets p1 and carol the eng marker", () -> has(bob, "acme.hr.pay", "p1") && has(carol, "acme.eng.src", "e1"), x -> x);
            assertFalse(has(carol, "acme.hr.pay", "p1"), "carol (team eng) is not sent hr data");

            String bundle = enterpriseBundleId(na, console);
            console.write(("stop " + bundle + "\n").getBytes(StandardCharsets.UTF_8));
            console.flush();
            await("the personal policy decides on alice once the enterprise bundle is stopped", () -> enterpriseActive(alice), a -> !a);
            assertOk(cli(bob, "put", "acme.hr.pay", "b1", "\"queued by bob during the swap\""));
            assertOk(cli(alice, "put", "acme.hr.pay", "p2", "\"personal\""));
            await("under the personal policy alice sends carol hr data, also what she withheld before", () ->
                    has(carol, "acme.hr.pay", "p2") && has(carol, "acme.hr.pay", "p1"), x -> x);

            console.write(("start " + bundle + "\n").getBytes(StandardCharsets.UTF_8));
            console.flush();
            await("the enterprise policy decides on alice again, without a restart", () -> enterpriseActive(alice), a -> a);
            assertOk(cli(alice, "put", "acme.hr.pay", "p3", "\"enterprise again\""));
            assertOk(cli(alice, "put", "acme.eng.src", "e2", "\"marker\""));
            await("bob gets p3 and carol the second eng marker", () -> has(bob, "acme.hr.pay", "p3") && has(carol, "acme.eng.src", "e2"),
                    x -> x);
            assertFalse(has(carol, "acme.hr.pay", "p3"), "once the bundle runs again, nothing new of hr leaks to carol");
            await("bob's write made during the swap is not lost", () -> has(alice, "acme.hr.pay", "b1"), x -> x);
            assertEquals(Set.of("b1", "p1", "p2", "p3"), keys(alice, "acme.hr.pay"));
            assertEquals(Set.of("b1", "p1", "p2", "p3"), keys(bob, "acme.hr.pay"));
        }
    }
}
