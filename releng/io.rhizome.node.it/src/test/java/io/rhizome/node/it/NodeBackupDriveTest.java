package io.rhizome.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.rhizome.transport.cloud.fake.FakeDrive;

/**
 * Backups to Google Drive with real daemons — the fake Google on loopback, which also answers with
 * rate limits and server errors: a daemon signs in (`cloud add gdrive --folder Backups`), backs up
 * (full, then incremental through injected errors) to `gdrive:Backups` and verifies it; the device
 * is lost; a fresh home is refused until it signs in, then signs in to the same Google account and
 * restores from the words alone, to exactly the backed-up state, and continues the chain.
 */
class NodeBackupDriveTest {

    @TempDir
    Path tmp;
    private FakeDrive google;
    private Map<String, String> env;
    private final HttpClient browser = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void setUp() throws Exception {
        google = new FakeDrive();
        google.pageLimit = 1000;
        env = Map.of("RHIZOME_JAVA_OPTS", String.join(" ", "-Drhizome.gdrive.authUri=" + google.authorizationEndpoint(),
                "-Drhizome.gdrive.tokenUri=" + google.tokenEndpoint(), "-Drhizome.gdrive.apiUri=" + google.uri(),
                "-Drhizome.gdrive.clientId=" + FakeDrive.CLIENT_ID, "-Drhizome.gdrive.clientSecret=" + FakeDrive.CLIENT_SECRET));
    }

    @AfterEach
    void tearDown() {
        google.close();
    }

    private static void ok(NodeProcess.CliResult r) {
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
    }

    @Test
    void aDaemonBacksUpToDriveAndAFreshHomeSignsInAndRestoresFromTheWords() throws Exception {
        Path a = tmp.resolve("a");
        String h = a.toString();
        List<String> words = new ArrayList<>();
        String exported;
        try (NodeProcess node = NodeProcess.start(a, env).awaitReady()) {
            NodeProcess.CliResult notSignedIn = NodeProcess.cli("backup", "now", "--to", "gdrive:Backups", "--home", h);
            assertEquals(2, notSignedIn.exitCode(), notSignedIn.stderr());
            assertTrue(notSignedIn.stderr().contains("not signed in to Google Drive for Backups; run `rhizome cloud add gdrive --folder Backups`"),
                    notSignedIn.stderr());
            NodeProcess.CliResult unknown = NodeProcess.cli("backup", "now", "--to", "dropbox:x", "--home", h);
            assertEquals(2, unknown.exitCode(), unknown.stderr());
            assertTrue(unknown.stderr().contains("no backup target of kind 'dropbox'"), unknown.stderr());

            NodeCloudDriveTest.signIn(google, browser, a, node, "--folder", "Backups");
            ok(NodeProcess.cli("ns", "create", "visits", "pn-counter", "--home", h));
            ok(NodeProcess.cli("put", "notes", "todo", "\"buy milk\"", "--home", h));
            ok(NodeProcess.cli("mutate", "visits", "home", "{\"op\":\"increment\",\"by\":5}", "--home", h));
            NodeProcess.CliResult full = NodeProcess.cli("backup", "now", "--to", "gdrive:Backups", "--home", h);
            ok(full);
            assertTrue(full.stdout().contains(" full "), full.stdout());
            ok(NodeProcess.cli("mutate", "visits", "home", "{\"op\":\"increment\",\"by\":2}", "--home", h));
            google.inject(FakeDrive.Fault.RATE_LIMITED, FakeDrive.Fault.SERVER_ERROR);
            NodeProcess.CliResult inc = NodeProcess.cli("backup", "now", "--to", "gdrive:Backups", "--home", h);
            ok(inc);
            assertTrue(inc.stdout().contains("incremental"), inc.stdout());
            assertEquals(0, google.faultsLeft(), "the backup went through Drive's errors");
            NodeProcess.CliResult verify = NodeProcess.cli("backup", "verify", "--to", "gdrive:Backups", "--home", h);
            ok(verify);
            assertTrue(verify.stdout().contains("2 snapshots checked"), verify.stdout());
            NodeProcess.CliResult shown = NodeProcess.cliWithInput("show\n", "recovery", "show", "--home", h);
            ok(shown);
            shown.stdout().lines().forEach(l -> words.add(l.replaceFirst("^\\s*\\d+\\.\\s*", "")));
            exported = NodeProcess.cli("export", "--home", h).stdout();
            assertEquals(143, node.terminate(), "clean stop");
        }
        long manifests = google.files().stream().filter(f -> f.name().endsWith(".manifest")).count();
        assertEquals(2, manifests, "two snapshots in Drive: " + google.files().stream().map(FakeDrive.DriveFile::name).toList());
        for (FakeDrive.DriveFile f : google.files()) {
            String content = new String(f.content(), StandardCharsets.ISO_8859_1);
            for (String needle : List.of("milk", "visits", "notes", "todo")) {
                assertFalse(content.contains(needle) || f.name().contains(needle), f.name() + " holds '" + needle + "' in the clear");
            }
        }

        // The device is lost. A new one: a fresh home, signed in to the same Google account, and the words.
        Path c = tmp.resolve("c");
        String hc = c.toString();
        try (NodeProcess node = NodeProcess.start(c, env).awaitReady()) {
            NodeProcess.CliResult before = NodeProcess.cliWithInput(String.join(" ", words) + "\n", "restore", "--from", "gdrive:Backups", "--home", hc);
            assertNotEquals(0, before.exitCode());
            assertTrue(before.stderr().contains("run `rhizome cloud add gdrive --folder Backups`"), before.stderr());
            assertFalse(NodeProcess.cli("export", "--home", hc).stdout().contains("milk"));

            NodeCloudDriveTest.signIn(google, browser, c, node, "--folder", "Backups");
            NodeProcess.CliResult restored = NodeProcess.cliWithInput(String.join(" ", words) + "\n", "restore", "--from", "gdrive:Backups",
                    "--home", hc);
            ok(restored);
            assertTrue(restored.stdout().contains("2 snapshots"), restored.stdout());
            String after = NodeProcess.cli("export", "--home", hc).stdout();
            assertEquals(exported.lines().toList(), after.lines().toList(), "every namespace restored exactly from Drive");
            assertTrue(after.contains("\"value\":7"), after);

            // The restored device keeps the words: it continues the chain in Drive.
            ok(NodeProcess.cli("mutate", "visits", "home", "{\"op\":\"increment\",\"by\":4}", "--home", hc));
            NodeProcess.CliResult continued = NodeProcess.cli("backup", "now", "--to", "gdrive:Backups", "--home", hc);
            ok(continued);
            assertTrue(continued.stdout().contains("incremental"), continued.stdout());
            NodeProcess.CliResult listed = NodeProcess.cli("backup", "list", "--to", "gdrive:Backups", "--home", hc);
            ok(listed);
            assertEquals(3, listed.stdout().lines().count(), listed.stdout());
            assertEquals(143, node.terminate(), "clean stop");
        }

        // backup.to names Drive: `backup now` without --to and the backup at a clean stop go there.
        Path props = c.resolve("rhizome.properties");
        Files.writeString(props, (Files.exists(props) ? Files.readString(props) + "\n" : "") + "backup.to=gdrive:Backups\n");
        try (NodeProcess node = NodeProcess.start(c, env).awaitReady()) {
            JsonNode status = NodeProcess.json(NodeProcess.cli("status", "--json", "--home", hc));
            assertTrue(status.path("backup").path("configuredTarget").asText().contains("Backups"), status.toString());
            ok(NodeProcess.cli("mutate", "visits", "home", "{\"op\":\"increment\",\"by\":1}", "--home", hc));
            NodeProcess.CliResult now = NodeProcess.cli("backup", "now", "--home", hc);
            ok(now);
            assertTrue(now.stdout().contains("incremental"), now.stdout());
            ok(NodeProcess.cli("mutate", "visits", "home", "{\"op\":\"increment\",\"by\":1}", "--home", hc));
            assertEquals(143, node.terminate(), "clean stop");
        }
        assertEquals(5, google.files().stream().filter(f -> f.name().endsWith(".manifest")).count(),
                "A's two, the restored device's one, `backup now` to backup.to and the shutdown backup: "
                        + google.files().stream().map(FakeDrive.DriveFile::name).toList());
    }
}
