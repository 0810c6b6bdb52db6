package io.rhizome.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Device identity and the recovery phrase through the CLI of the real node. */
class NodeIdentityTest {

    @TempDir
    Path tmp;

    @Test
    void identityAndRecoveryPhrase() throws Exception {
        Path home = tmp.resolve("home");
        String h = home.toString();
        try (NodeProcess node = NodeProcess.start(home).awaitReady()) {
            NodeProcess.CliResult id = NodeProcess.cli("identity", "--home", h);
            assertEquals(0, id.exitCode(), id.stderr());
            String deviceId = id.stdout().lines().filter(l -> l.startsWith("device id:")).findFirst().orElseThrow()
                    .substring("device id:".length()).strip();
            assertEquals(43, deviceId.length(), "base64url of a 32-byte Ed25519 key: " + deviceId);
            assertTrue(NodeProcess.cli("status", "--home", h).stdout().contains(deviceId), "status shows the same device id");

            NodeProcess.CliResult refused = NodeProcess.cliWithInput("no\n", "recovery", "show", "--home", h);
            assertEquals(1, refused.exitCode());
            assertEquals("", refused.stdout(), "nothing shown without confirmation");

            NodeProcess.CliResult shown = NodeProcess.cliWithInput("show\n", "recovery", "show", "--home", h);
            assertEquals(0, shown.exitCode(), shown.stderr());
            List<String> words = new ArrayList<>();
            shown.stdout().lines().forEach(l -> words.add(l.replaceFirst("^\\s*\\d+\\.\\s*", "")));
            assertEquals(24, words.size(), shown.stdout());

            NodeProcess.CliResult ok = NodeProcess.cliWithInput(String.join(" ", words) + "\n", "recovery", "verify", "--home", h);
            assertEquals(0, ok.exitCode(), ok.stderr());

            List<String> wrong = new ArrayList<>(words);
            wrong.set(4, "notaword");
            NodeProcess.CliResult bad = NodeProcess.cliWithInput(String.join(" ", wrong) + "\n", "recovery", "verify", "--home", h);
            assertEquals(1, bad.exitCode());
            assertTrue(bad.stderr().contains("5"), "names the position of the bad word: " + bad.stderr());
            assertFalse(bad.stderr().contains(words.get(0) + " " + words.get(1)), "never echoes the phrase");

            NodeProcess.CliResult argv = NodeProcess.cli("recovery", "verify", words.get(0), "--home", h);
            assertEquals(2, argv.exitCode(), "words on the command line are refused (they would stay in shell history)");
        }
    }
}
