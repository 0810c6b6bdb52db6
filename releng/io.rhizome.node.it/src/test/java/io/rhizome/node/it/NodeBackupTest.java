package io.rhizome.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The backup walkthrough with real daemons and the real CLI: back up (full, then incremental), stop
 * the node and delete its home, start a new home and restore it from the folder with the 24 words on
 * standard input; wrong words and a home with data are refused with a sentence and change nothing.
 */
class NodeBackupTest {

    @TempDir
    Path tmp;

    private static String deviceId(String home) throws Exception {
        return NodeProcess.cli("identity", "--home", home).stdout().lines().filter(l -> l.startsWith("device id:"))
                .findFirst().orElseThrow().substring("device id:".length()).strip();
    }

    private static void ok(NodeProcess.CliResult r) {
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
    }

    @Test
    void backUpDeleteTheHomeAndRestoreFromTheWords() throws Exception {
        Path home = tmp.resolve("home");
        String h = home.toString();
        String backups = tmp.resolve("backups").toString();
        List<String> words = new ArrayList<>();
        String exported;
        String oldDevice;
        try (NodeProcess node = NodeProcess.start(home).awaitReady()) {
            oldDevice = deviceId(h);
            ok(NodeProcess.cli("ns", "create", "visits", "pn-counter", "--home", h));
            ok(NodeProcess.cli("ns", "create", "scratch", "lww-register", "--scope", "local-only", "--home", h));
            ok(NodeProcess.cli("put", "notes", "todo", "\"buy milk\"", "--home", h));
            ok(NodeProcess.cli("mutate", "visits", "home", "{\"op\":\"increment\",\"by\":5}", "--home", h));
            ok(NodeProcess.cli("put", "scratch", "s", "\"this device only\"", "--home", h));
            NodeProcess.CliResult full = NodeProcess.cli("backup", "now", "--to", backups, "--home", h);
            ok(full);
            assertTrue(full.stdout().contains(" full "), full.stdout());
            ok(NodeProcess.cli("mutate", "visits", "home", "{\"op\":\"increment\",\"by\":2}", "--home", h));
            NodeProcess.CliResult inc = NodeProcess.cli("backup", "now", "--to", backups, "--home", h);
            ok(inc);
            assertTrue(inc.stdout().contains("incremental"), inc.stdout());
            NodeProcess.CliResult verify = NodeProcess.cli("backup", "verify", "--to", backups, "--home", h);
            ok(verify);
            assertTrue(verify.stdout().contains("2 snapshots checked"), verify.stdout());
            NodeProcess.CliResult shown = NodeProcess.cliWithInput("show\n", "recovery", "show", "--home", h);
            ok(shown);
            shown.stdout().lines().forEach(l -> words.add(l.replaceFirst("^\\s*\\d+\\.\\s*", "")));
            exported = NodeProcess.cli("export", "--home", h).stdout();
            assertEquals(143, node.terminate(), "clean stop");
        }
        try (Stream<Path> files = Files.walk(tmp.resolve("backups"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
                assertFalse(text.contains("milk") || text.contains("visits") || text.contains("scratch"), f + " holds plaintext");
            }
        }
        deleteTree(home);

        try (NodeProcess node = NodeProcess.start(home).awaitReady()) {
            String newDevice = deviceId(h);
            assertNotEquals(oldDevice, newDevice, "a restored home gets a new device identity");
            List<String> other = new ArrayList<>(Collections.nCopies(23, "abandon"));
            other.add("art");
            NodeProcess.CliResult wrong = NodeProcess.cliWithInput(String.join(" ", other) + "\n", "restore", "--from", backups, "--home", h);
            assertEquals(1, wrong.exitCode(), wrong.stderr());
            assertTrue(wrong.stderr().contains("recovery words do not open snapshot"), wrong.stderr());
            assertFalse(NodeProcess.cli("export", "--home", h).stdout().contains("milk"), "nothing restored with wrong words");

            NodeProcess.CliResult restored = NodeProcess.cliWithInput(String.join(" ", words) + "\n", "restore", "--from", backups, "--home", h);
            ok(restored);
            assertTrue(restored.stdout().contains("2 snapshots"), restored.stdout());
            String after = NodeProcess.cli("export", "--home", h).stdout();
            assertEquals(exported.lines().filter(l -> !l.contains("\"namespace\":\"scratch\"")).toList(), after.lines().toList(),
                    "every backed-up namespace restored exactly; the local-only value stayed behind");
            assertTrue(after.contains("\"value\":7"), after);

            NodeProcess.CliResult again = NodeProcess.cliWithInput(String.join(" ", words) + "\n", "restore", "--from", backups, "--home", h);
            assertEquals(1, again.exitCode());
            assertTrue(again.stderr().contains("already holds"), again.stderr());
            assertEquals(after, NodeProcess.cli("export", "--home", h).stdout(), "a refused restore changes nothing");

            // The restored device keeps the words it was restored with: it opens the old snapshots and
            // its next backup continues their chain.
            NodeProcess.CliResult shownAfter = NodeProcess.cliWithInput("show\n", "recovery", "show", "--home", h);
            ok(shownAfter);
            assertEquals(words, shownAfter.stdout().lines().map(l -> l.replaceFirst("^\\s*\\d+\\.\\s*", "")).toList(),
                    "the restored device shows the recovery words it was restored with");
            NodeProcess.CliResult listed = NodeProcess.cli("backup", "list", "--to", backups, "--home", h);
            ok(listed);
            assertEquals(2, listed.stdout().lines().count(), listed.stdout());
            ok(NodeProcess.cli("mutate", "visits", "home", "{\"op\":\"increment\",\"by\":4}", "--home", h));
            NodeProcess.CliResult continued = NodeProcess.cli("backup", "now", "--to", backups, "--home", h);
            ok(continued);
            assertTrue(continued.stdout().contains("incremental") && continued.stdout().contains(" 1 change sets"), continued.stdout());
            NodeProcess.CliResult verified = NodeProcess.cli("backup", "verify", "--to", backups, "--home", h);
            ok(verified);
            assertTrue(verified.stdout().contains("3 snapshots checked"), verified.stdout());

            NodeProcess.CliResult noWords = NodeProcess.cliWithInput("", "restore", "--from", backups, "--home", h);
            assertEquals(2, noWords.exitCode(), noWords.stderr());
            NodeProcess.CliResult noTarget = NodeProcess.cli("backup", "now", "--home", h);
            assertEquals(2, noTarget.exitCode());
            assertTrue(noTarget.stderr().contains("--to DIR"), noTarget.stderr());
        }
    }


    private static String pairAndJoin(Path inviter, Path joiner) throws Exception {
        com.fasterxml.jackson.databind.JsonNode invitation = NodeProcess.json(
                NodeProcess.cli("pair", "--no-wait", "--json", "--home", inviter.toString()));
        NodeProcess.CliResult join = NodeProcess.cli("join", invitation.path("code").asText(), "--addr",
                invitation.path("addresses").get(0).asText(), "--home", joiner.toString());
        assertEquals(0, join.exitCode(), join.stderr() + join.stdout());
        return join.stdout();
    }

    /**
     * Two paired devices; one backs up and is lost; a new home restored from its backup pairs with
     * the survivor, and both converge exactly: the counter is not doubled, new writes cross both ways.
     */
    @Test
    void aRestoredDevicePairsWithTheSurvivorAndNothingIsCountedTwice() throws Exception {
        Path a = NodeProcess.loopbackHome(tmp, "survivor");
        Path b = NodeProcess.loopbackHome(tmp, "lost");
        String backups = tmp.resolve("backups").toString();
        List<String> words = new ArrayList<>();
        try (NodeProcess na = NodeProcess.start(a).awaitReady()) {
            try (NodeProcess nb = NodeProcess.start(b).awaitReady()) {
                pairAndJoin(a, b);
                ok(NodeProcess.cli("ns", "create", "visits", "pn-counter", "--home", b.toString()));
                ok(NodeProcess.cli("mutate", "visits", "home", "{\"op\":\"increment\",\"by\":5}", "--home", b.toString()));
                ok(NodeProcess.cli("mutate", "visits", "home", "{\"op\":\"increment\",\"by\":3}", "--home", a.toString()));
                NodeProcess.awaitValue(a, "visits", "home", "8", Duration.ofSeconds(60));
                NodeProcess.awaitValue(b, "visits", "home", "8", Duration.ofSeconds(60));
                ok(NodeProcess.cli("backup", "now", "--to", backups, "--home", b.toString()));
                NodeProcess.CliResult shown = NodeProcess.cliWithInput("show\n", "recovery", "show", "--home", b.toString());
                ok(shown);
                shown.stdout().lines().forEach(l -> words.add(l.replaceFirst("^\\s*\\d+\\.\\s*", "")));
            }
            deleteTree(b);
            Path r = NodeProcess.loopbackHome(tmp, "restored");
            try (NodeProcess nr = NodeProcess.start(r).awaitReady()) {
                ok(NodeProcess.cliWithInput(String.join(" ", words) + "\n", "restore", "--from", backups, "--home", r.toString()));
                assertEquals("8", NodeProcess.cli("get", "visits", "home", "--home", r.toString()).stdout().strip());
                pairAndJoin(a, r);
                ok(NodeProcess.cli("mutate", "visits", "home", "{\"op\":\"increment\",\"by\":1}", "--home", r.toString()));
                ok(NodeProcess.cli("mutate", "visits", "home", "{\"op\":\"increment\",\"by\":10}", "--home", a.toString()));
                NodeProcess.awaitValue(a, "visits", "home", "19", Duration.ofSeconds(60));
                NodeProcess.awaitValue(r, "visits", "home", "19", Duration.ofSeconds(60));
                assertEquals(NodeProcess.cli("export", "--home", a.toString()).stdout(),
                        NodeProcess.cli("export", "--home", r.toString()).stdout(), "both hold exactly the same");
            }
        }
    }

    private static void deleteTree(Path dir) throws Exception {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Collections.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
