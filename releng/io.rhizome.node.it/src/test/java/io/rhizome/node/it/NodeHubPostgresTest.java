package io.rhizome.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * {@code rhizome hub} with {@code hub.store=postgres} against a throwaway PostgreSQL: the launcher
 * passes the store choice and the settings from the hub's {@code rhizome.properties} (the password
 * through a file only the user can read, after the restart through {@code RHIZOME_PG_PASSWORD}), the hub keeps the change sets in the database and none
 * in its home, and what it holds survives a restart of the hub. Bad settings (an unknown store, a
 * wrong password) are refused before anything starts, with a sentence naming the setting.
 */
class NodeHubPostgresTest {

    private static final Map<String, String> FAST = Map.of("RHIZOME_JAVA_OPTS", "-Drhizome.cloud.pollMillis=300");
    private static final String FROM_A = "pg-hub-marker-7a11 written while B was down";
    private static final String FROM_B = "pg-hub-marker-b0b2 written before the hub restarted";

    @TempDir
    Path tmp;

    private Path passwordFile(String password) throws Exception {
        Path file = tmp.resolve("pg-password");
        Files.writeString(file, password + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    private Path hubHome(String name, String properties) throws Exception {
        Path home = tmp.resolve(name);
        Files.createDirectories(home);
        Files.writeString(home.resolve("rhizome.properties"), properties);
        return home;
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void aHubOnPostgresRelaysBetweenDevicesThatAreNeverUpTogetherAndKeepsItAcrossARestart() throws Exception {
        try (ThrowawayPostgres pg = ThrowawayPostgres.start()) {
            pg.sql("postgres", "CREATE DATABASE hub");
            String url = pg.url("hub");
            // a fixed port, so that the devices reach the restarted hub at the address they were given
            Path home = hubHome("hub", "hub.listen=/ip4/127.0.0.1/tcp/" + freePort() + "\nhub.store=postgres\nhub.postgres.url=" + url
                    + "\nhub.postgres.user=" + ThrowawayPostgres.USER + "\nhub.postgres.passwordFile=" + passwordFile(pg.password()) + "\n");
            Path a = NodeProcess.loopbackHome(tmp, "a");
            Path b = NodeProcess.loopbackHome(tmp, "b");
            NodeCloudTest.pair(a, b);
            String address;

            try (NodeHubTest.Hub hub = NodeHubTest.Hub.start(home, tmp.resolve("hub-1.out"))) {
                JsonNode info = hub.await("offers its claim code", j -> j.has("claimCode"));
                assertEquals("postgres", info.path("store").path("kind").asText(), "hub.json names the store: " + info);
                assertEquals(url, info.path("store").path("location").asText(), "hub.json names the database: " + info);
                assertFalse(Files.readString(home.resolve("hub.json")).contains(pg.password()), "no password in hub.json");
                address = info.path("addresses").get(0).asText();

                // B is down: A claims the hub and writes; the change set waits on the hub
                try (NodeProcess na = NodeProcess.start(a, FAST).awaitReady()) {
                    NodeProcess.CliResult add = NodeProcess.cli("cloud", "add", "hub", address, "--code", info.path("claimCode").asText(),
                            "--home", a.toString());
                    assertEquals(0, add.exitCode(), add.stderr());
                    hub.await("is claimed by A, with B as a member", j -> !j.has("claimCode") && j.path("members").asInt() == 2);
                    long before = hub.await("holds A's first round", j -> j.path("files").asLong() > 0).path("files").asLong();
                    assertEquals(0, NodeProcess.cli("put", "notes", "from-a", "\"" + FROM_A + "\"", "--home", a.toString()).exitCode());
                    hub.await("holds A's batch file for B", j -> j.path("files").asLong() > before);
                    na.terminate();
                }

                // A is down: B catches up from the hub alone, then writes for A and goes down
                try (NodeProcess nb = NodeProcess.start(b, FAST).awaitReady()) {
                    NodeProcess.CliResult add = NodeProcess.cli("cloud", "add", "hub", address, "--home", b.toString());
                    assertEquals(0, add.exitCode(), add.stderr());
                    NodeProcess.awaitValue(b, "notes", "from-a", "\"" + FROM_A + "\"", NodeHubTest.WAIT);
                    JsonNode peer = NodeProcess.json(NodeProcess.cli("status", "--json", "--home", b.toString())).path("sync").path("peers").get(0);
                    assertFalse(peer.path("connected").asBoolean(), "A is down: " + peer);
                    assertTrue(peer.path("lastSyncRoute").asText().startsWith("hub hub-"), "status names the hub route: " + peer);
                    long before = hub.info().path("files").asLong();
                    assertEquals(0, NodeProcess.cli("put", "notes", "from-b", "\"" + FROM_B + "\"", "--home", b.toString()).exitCode());
                    hub.await("holds B's batch file for A", j -> j.path("files").asLong() > before);
                    nb.terminate();
                }
            }

            long rows = Long.parseLong(pg.sql("hub", "SELECT count(*) FROM rhizome_space"));
            assertTrue(rows > 0, "the hub's files and members are rows of its PostgreSQL database: " + rows);
            List<Path> files;
            try (Stream<Path> s = Files.walk(home)) {
                files = s.filter(Files::isRegularFile).toList();
            }
            assertFalse(files.stream().anyMatch(f -> home.relativize(f).startsWith("data")), "no MapDB store in the hub's home: " + files);

            // the hub restarts on the same database, the password now from RHIZOME_PG_PASSWORD instead of
            // the file; A, up again alone, gets B's write through it
            String properties = Files.readString(home.resolve("rhizome.properties"));
            Files.writeString(home.resolve("rhizome.properties"), properties.replaceAll("(?m)^hub\\.postgres\\.passwordFile=.*$", ""));
            assertFalse(Files.readString(home.resolve("rhizome.properties")).contains("passwordFile"), "the file is no longer named");
            try (NodeHubTest.Hub hub = NodeHubTest.Hub.start(home, tmp.resolve("hub-2.out"), Map.of("RHIZOME_PG_PASSWORD", pg.password()));
                    NodeProcess na = NodeProcess.start(a, FAST).awaitReady()) {
                JsonNode info = hub.await("still knows its two members", j -> j.path("members").asInt() == 2);
                assertFalse(info.has("claimCode"), "the restarted hub stays claimed: " + info);
                assertEquals(address, info.path("addresses").get(0).asText());
                NodeProcess.awaitValue(a, "notes", "from-b", "\"" + FROM_B + "\"", NodeHubTest.WAIT);
                na.terminate();
            }
        }
    }

    @Test
    void anUnknownStoreAndAWrongPasswordAreRefusedBeforeAnythingStarts() throws Exception {
        Path bad = hubHome("badstore", "hub.listen=/ip4/127.0.0.1/tcp/0\nhub.store=cassandra\n");
        NodeProcess.CliResult r = NodeProcess.cli("hub", "--home", bad.toString());
        assertEquals(2, r.exitCode(), r.stdout() + r.stderr());
        assertTrue(r.stderr().contains("hub.store must be mapdb or postgres, not 'cassandra'"), r.stderr());
        assertNothingStarted(bad);

        try (ThrowawayPostgres pg = ThrowawayPostgres.start()) {
            pg.sql("postgres", "CREATE DATABASE hub");
            String wrong = "not-" + pg.password();
            Path home = hubHome("wrongpw", "hub.listen=/ip4/127.0.0.1/tcp/0\nhub.store=postgres\nhub.postgres.url=" + pg.url("hub")
                    + "\nhub.postgres.passwordFile=" + passwordFile(wrong) + "\n");
            r = NodeProcess.cli("hub", "--home", home.toString());
            assertEquals(2, r.exitCode(), r.stdout() + r.stderr());
            assertTrue(r.stderr().contains("hub.postgres") && r.stderr().contains("refused the login to " + pg.url("hub") + " as rhizome"),
                    r.stderr());
            assertFalse(r.stderr().contains(wrong), "the password is never printed: " + r.stderr());
            assertNothingStarted(home);
            assertEquals("0", pg.sql("hub", "SELECT count(*) FROM information_schema.tables WHERE table_name LIKE 'rhizome%'"),
                    "nothing was created in the database");
        }
    }

    private static void assertNothingStarted(Path home) {
        assertFalse(Files.exists(home.resolve("hub.json")), "no hub ran");
        assertFalse(Files.exists(home.resolve("osgi")), "no framework was started");
        assertFalse(Files.exists(home.resolve("data")), "no store was opened");
    }
}
