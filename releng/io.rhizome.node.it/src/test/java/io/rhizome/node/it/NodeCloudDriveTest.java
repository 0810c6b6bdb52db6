package io.rhizome.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.rhizome.transport.cloud.fake.FakeDrive;

/**
 * Two real daemons that never run at the same time after pairing (so never connect directly),
 * syncing through Google Drive — the fake Google on loopback, as Google cannot be reached here:
 * `rhizome cloud add gdrive` prints the consent page, the test plays the browser, the daemon gets
 * the code on 127.0.0.1 and exchanges it with its PKCE verifier; the refresh token is kept sealed
 * (not in the home in the clear) and used again after a restart; an access token that expires
 * during sync is refreshed; a revoked sign-in shows in `cloud status` with what to do, and
 * `cloud add gdrive` again recovers.
 */
class NodeCloudDriveTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;
    private FakeDrive google;
    private Map<String, String> env;
    private final HttpClient browser = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void setUp() throws IOException {
        google = new FakeDrive();
        google.pageLimit = 1000;
        env = Map.of("RHIZOME_JAVA_OPTS", String.join(" ", "-Drhizome.cloud.pollMillis=300",
                "-Drhizome.gdrive.authUri=" + google.authorizationEndpoint(), "-Drhizome.gdrive.tokenUri=" + google.tokenEndpoint(),
                "-Drhizome.gdrive.apiUri=" + google.uri(), "-Drhizome.gdrive.clientId=" + FakeDrive.CLIENT_ID,
                "-Drhizome.gdrive.clientSecret=" + FakeDrive.CLIENT_SECRET));
    }

    @AfterEach
    void tearDown() {
        google.close();
    }

    @Test
    void twoDaemonsThatNeverMeetSyncThroughDriveAcrossARestartATokenExpiryAndARevokedSignIn() throws Exception {
        Path a = NodeProcess.loopbackHome(tmp, "a");
        Path b = NodeProcess.loopbackHome(tmp, "b");
        NodeCloudTest.pair(a, b);

        try (NodeProcess na = NodeProcess.start(a, env).awaitReady()) {
            NodeProcess.CliResult notSignedIn = NodeProcess.cli("cloud", "add", "gdrive", "--folder", "a/b", "--home", a.toString());
            assertEquals(1, notSignedIn.exitCode());
            assertTrue(notSignedIn.stderr().contains("a Google Drive location is appDataFolder or the name of a folder"), notSignedIn.stderr());
            assertEquals(0, NodeProcess.cli("put", "notes", "from-a", "\"A, through Drive\"", "--home", a.toString()).exitCode());
            await("without a cloud, A's write is pending for B", () -> pending(a) >= 1, na);
            signIn(a, na);
            await("A leaves a batch for B in Drive", () -> batches() > 0, na);
            await("what Drive holds for B is no longer pending", () -> pending(a) == 0, na);
            na.terminate();
        }
        for (String token : google.refreshTokens()) {
            if (!token.equals(FakeDrive.TEST_REFRESH_TOKEN)) {
                assertNotInHome(a, token);
            }
        }

        int batchesBefore;
        try (NodeProcess nb = NodeProcess.start(b, env).awaitReady()) {
            signIn(b, nb);
            NodeProcess.awaitValue(b, "notes", "from-a", "\"A, through Drive\"", WAIT);
            JsonNode peer = NodeProcess.json(NodeProcess.cli("status", "--json", "--home", b.toString())).path("sync").path("peers").get(0);
            assertTrue(peer.path("lastSyncRoute").asText().startsWith("cloud gdrive-"), "status names the Drive route: " + peer);
            nb.terminate();
        }

        // A restart in the middle: B comes back with its sealed sign-in and its kept changes token
        // (no new listing of the tree), the access token expires while it syncs and is refreshed.
        int listsBefore = google.fileLists.get();
        int refreshes = google.refreshGrants.get();
        try (NodeProcess nb = NodeProcess.start(b, env).awaitReady()) {
            JsonNode clouds = NodeProcess.json(NodeProcess.cli("cloud", "status", "--json", "--home", b.toString()));
            assertEquals("gdrive", clouds.path("clouds").get(0).path("kind").asText(), clouds.toString());
            await("B polls Drive again after the restart", () -> google.refreshGrants.get() > refreshes, nb);
            google.expireTokens();
            batchesBefore = batches();
            assertEquals(0, NodeProcess.cli("put", "notes", "from-b", "\"B's answer\"", "--home", b.toString()).exitCode());
            await("B's answer reaches Drive after its token expired", () -> batches() > batchesBefore, nb);
            assertTrue(google.expiredTokenAnswers.get() > 0, "Drive refused the expired token at least once");
            assertTrue(google.refreshGrants.get() >= refreshes + 2, "and B refreshed it");
            assertEquals(listsBefore, google.fileLists.get(), "the restarted B followed the Changes API from its kept token: no listing");
            nb.terminate();
        }

        try (NodeProcess na = NodeProcess.start(a, env).awaitReady()) {
            NodeProcess.awaitValue(a, "notes", "from-b", "\"B's answer\"", WAIT);
            // The user removes the app's access in their Google account: status says what to do, and signing in again recovers.
            google.revokeRefreshTokens();
            await("cloud status names the refused sign-in", () -> cloudError(a).contains("sign in again with `rhizome cloud add gdrive`"), na);
            signIn(a, na);
            await("the error clears once signed in again", () -> cloudError(a).isEmpty(), na);
            int before = batches();
            assertEquals(0, NodeProcess.cli("put", "notes", "again", "\"after signing in again\"", "--home", a.toString()).exitCode());
            await("A syncs through Drive again", () -> batches() > before, na);
            // Removing the cloud deletes the sealed refresh token: it cannot be opened again without a new consent.
            String id = NodeProcess.json(NodeProcess.cli("cloud", "status", "--json", "--home", a.toString())).path("clouds").get(0).path("id").asText();
            NodeProcess.CliResult removed = NodeProcess.cli("cloud", "remove", id, "--home", a.toString());
            assertEquals(0, removed.exitCode(), removed.stderr());
            assertTrue(removed.stdout().contains("a stored sign-in is deleted"), removed.stdout());
            HttpResponse<String> reopen = browser.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + na.port() + "/api/v1/cloud"))
                    .header("X-API-Key", na.apiJson().path("apiKey").asText()).timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"kind\":\"gdrive\",\"location\":\"appDataFolder\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(400, reopen.statusCode(), reopen.body());
            assertTrue(reopen.body().contains("not signed in to Google Drive"), reopen.body());
            na.terminate();
        }

        for (FakeDrive.DriveFile f : google.files()) {
            String content = new String(f.content(), StandardCharsets.ISO_8859_1);
            for (String needle : List.of("notes", "from-a", "A, through Drive", "B's answer")) {
                assertFalse(content.contains(needle), f.name() + " holds '" + needle + "' in the clear");
                assertFalse(f.name().contains(needle), f.name());
            }
        }
    }

    private void signIn(Path home, NodeProcess node) throws Exception {
        signIn(google, browser, home, node);
    }

    /**
     * Runs `rhizome cloud add gdrive [options]` and plays the browser: opens the printed page and
     * follows its redirect to the daemon. Shared with {@link NodeBackupDriveTest}.
     */
    static void signIn(FakeDrive google, HttpClient browser, Path home, NodeProcess node, String... options) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(NodeProcess.ROOT.resolve("rhizome").toString(), "cloud", "add", "gdrive", "--home", home.toString()));
        cmd.addAll(List.of(options));
        Process cli = new ProcessBuilder(cmd).directory(NodeProcess.ROOT.toFile()).redirectError(ProcessBuilder.Redirect.PIPE).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(cli.getInputStream(), StandardCharsets.UTF_8));
            String url = null;
            StringBuilder printed = new StringBuilder();
            for (int i = 0; i < 10 && url == null; i++) {
                String line = out.readLine();
                if (line == null) {
                    break;
                }
                printed.append(line).append('\n');
                if (line.strip().startsWith(google.authorizationEndpoint().toString())) {
                    url = line.strip();
                }
            }
            if (url == null) {
                cli.destroyForcibly();
                throw new AssertionError("the CLI prints the consent page: " + printed + new String(cli.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
            }
            HttpResponse<String> consent = browser.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(302, consent.statusCode(), consent.body());
            HttpResponse<String> back = browser.send(HttpRequest.newBuilder(URI.create(consent.headers().firstValue("Location").orElseThrow()))
                    .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertTrue(back.body().contains("can now use your Google Drive"), back.body());
            assertTrue(cli.waitFor(60, TimeUnit.SECONDS), "the CLI ends once the daemon has the sign-in");
            String rest = new String(cli.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(cli.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            if (cli.exitValue() != 0) {
                throw new AssertionError("cloud add gdrive exited " + cli.exitValue() + ": " + rest + err + "\n" + node.output());
            }
            assertTrue(rest.contains("added gdrive-"), rest);
        } finally {
            cli.destroyForcibly();
        }
    }

    /** The pending count of the node's one peer in {@code status}; -1 while status lists no peer yet. */
    static long pending(Path home) {
        try {
            JsonNode peers = NodeProcess.json(NodeProcess.cli("status", "--json", "--home", home.toString()))
                    .path("sync").path("peers");
            return peers.size() == 0 ? -1 : peers.get(0).path("pendingEvents").asLong(-1);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private int batches() {
        return (int) google.files().stream().filter(f -> f.name().endsWith(".rzb")).count();
    }

    private static String cloudError(Path home) {
        try {
            JsonNode c = NodeProcess.json(NodeProcess.cli("cloud", "status", "--json", "--home", home.toString())).path("clouds").path(0);
            return c.path("lastError").isTextual() ? c.path("lastError").asText() : "";
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static void assertNotInHome(Path home, String secret) throws IOException {
        byte[] needle = secret.getBytes(StandardCharsets.UTF_8);
        try (Stream<Path> s = Files.walk(home)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                byte[] content = Files.readAllBytes(p);
                assertFalse(indexOf(content, needle) >= 0, p + " holds the refresh token in the clear");
            }
        }
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static void await(String what, BooleanSupplier condition, NodeProcess node) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": not within " + WAIT + "\n" + node.output());
            }
            Thread.sleep(100);
        }
    }
}
