package io.rhizome.store.postgres.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.rhizome.spi.store.NewEntry;
import io.rhizome.spi.store.StoreException;
import io.rhizome.testsupport.postgres.PostgresServer;

/** Schema versions and migrations, and what a bad URL or password does: a clear error, nothing created. */
class SchemaAndConnectionTest {

    private static PostgresServer server;

    @BeforeAll
    static void startServer() throws Exception {
        server = PostgresServer.start();
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private static PostgresSettings settings(String database) {
        return PostgresSettings.of(server.url(database), server.user(), server.password());
    }

    private static String tables(String database) throws Exception {
        return server.sql(database, "SELECT coalesce(string_agg(tablename, ',' ORDER BY tablename), '') FROM pg_tables "
                + "WHERE tablename LIKE 'rhizome%'");
    }

    @Test
    void anEmptyDatabaseIsMigratedOnceAndKeepsItsData() throws Exception {
        server.createDatabase("migrate");
        PostgresReplicaStore store = PostgresReplicaStore.open(settings("migrate"));
        assertEquals(Schema.LATEST, store.schemaVersion());
        store.append(List.of(new NewEntry("a", 1, new byte[] { 1 })), Map.of());
        store.close();
        assertEquals("rhizome_checkpoint,rhizome_entity,rhizome_log,rhizome_log_head,rhizome_meta,rhizome_schema,"
                + "rhizome_space,rhizome_stream", tables("migrate"));

        PostgresReplicaStore again = PostgresReplicaStore.open(settings("migrate"));
        assertEquals(1, again.head(), "re-opening migrates nothing and loses nothing");
        again.close();
        assertEquals(Integer.toString(Schema.LATEST), server.sql("migrate", "SELECT count(*) FROM rhizome_schema"),
                "each version is recorded once");
    }

    @Test
    void aRoleWithoutTheCreatePrivilegeServesAMigratedDatabase() throws Exception {
        server.createDatabase("limited");
        PostgresReplicaStore.open(settings("limited")).close();
        server.sql("limited", "CREATE ROLE hub_dml LOGIN PASSWORD 'hub-dml-pw'; "
                + "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO hub_dml");
        assertEquals("f", server.sql("limited", "SELECT has_schema_privilege('hub_dml', 'public', 'CREATE')"));
        PostgresReplicaStore store = PostgresReplicaStore.open(PostgresSettings.of(server.url("limited"), "hub_dml", "hub-dml-pw"));
        assertEquals(1, store.append(List.of(new NewEntry("a", 1, new byte[] { 1 })), Map.of("k", new byte[] { 2 })).size());
        assertEquals(1, store.head());
        store.close();
    }

    @Test
    void aDatabaseOfANewerSchemaIsRefusedAndLeftAsItIs() throws Exception {
        server.createDatabase("newer");
        PostgresReplicaStore.open(settings("newer")).close();
        int newer = Schema.LATEST + 1;
        server.sql("newer", "INSERT INTO rhizome_schema (version) VALUES (" + newer + ")");

        StoreException refused = assertThrows(StoreException.class, () -> PostgresReplicaStore.open(settings("newer")));
        assertTrue(refused.getMessage().contains("schema version " + newer), refused.getMessage());
        assertTrue(refused.getMessage().contains(server.url("newer")), "names the database: " + refused.getMessage());
        assertEquals(Integer.toString(newer), server.sql("newer", "SELECT max(version) FROM rhizome_schema"));
    }

    @Test
    void twoStoresOpeningAnEmptyDatabaseAtOnceMigrateItOnce() throws Exception {
        server.createDatabase("race");
        List<Thread> openers = new java.util.ArrayList<>();
        java.util.concurrent.ConcurrentLinkedQueue<Object> outcomes = new java.util.concurrent.ConcurrentLinkedQueue<>();
        for (int i = 0; i < 4; i++) {
            Thread t = new Thread(() -> {
                try {
                    PostgresReplicaStore s = PostgresReplicaStore.open(settings("race"));
                    outcomes.add(s.schemaVersion());
                    s.close();
                } catch (Exception e) {
                    outcomes.add(e);
                }
            });
            openers.add(t);
            t.start();
        }
        for (Thread t : openers) {
            t.join(60_000);
            assertFalse(t.isAlive(), "an opener did not finish within 60 s");
        }
        assertEquals(List.of(Schema.LATEST, Schema.LATEST, Schema.LATEST, Schema.LATEST), List.copyOf(outcomes));
        assertEquals(Integer.toString(Schema.LATEST), server.sql("race", "SELECT count(*) FROM rhizome_schema"));
    }

    @Test
    void aWrongPasswordIsRefusedNamingTheUrlButNotThePasswordAndCreatesNothing() throws Exception {
        server.createDatabase("wrongpassword");
        String wrong = "not-the-password-" + System.nanoTime();
        StoreException refused = assertThrows(StoreException.class, () -> PostgresReplicaStore.open(
                PostgresSettings.of(server.url("wrongpassword"), server.user(), wrong)));
        assertTrue(refused.getMessage().contains(server.url("wrongpassword")), refused.getMessage());
        assertTrue(refused.getMessage().contains("password authentication failed"), refused.getMessage());
        assertFalse(refused.getMessage().contains(wrong), "the message shows no password: " + refused.getMessage());
        assertEquals("", tables("wrongpassword"), "nothing was created");
    }

    @Test
    void anUnreachableServerIsRefusedNamingTheUrl() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        String url = "jdbc:postgresql://127.0.0.1:" + closedPort + "/rhizome";
        StoreException refused = assertThrows(StoreException.class, () -> PostgresReplicaStore.open(
                new PostgresSettings(url, "rhizome", "secret-pw", 2, Duration.ofSeconds(3))));
        assertTrue(refused.getMessage().contains(url), refused.getMessage());
        assertFalse(refused.getMessage().contains("secret-pw"), refused.getMessage());
    }

    @Test
    void aMissingDatabaseIsRefusedNamingIt() throws Exception {
        StoreException refused = assertThrows(StoreException.class, () -> PostgresReplicaStore.open(settings("nosuchdb")));
        assertTrue(refused.getMessage().contains(server.url("nosuchdb")), refused.getMessage());
        assertTrue(refused.getMessage().contains("nosuchdb\" does not exist"), refused.getMessage());
    }

    @Test
    void aPasswordInTheUrlIsMaskedInMessages() {
        PostgresSettings s = PostgresSettings.of("jdbc:postgresql://h/db?user=u&password=hunter2&ssl=true", "u", "");
        assertEquals("jdbc:postgresql://h/db?user=u&password=***&ssl=true", s.safeUrl());
        assertFalse(s.toString().contains("hunter2"));
        IllegalArgumentException notPostgres = assertThrows(IllegalArgumentException.class,
                () -> PostgresSettings.of("jdbc:mysql://h/db?password=hunter2", "u", ""));
        assertFalse(notPostgres.getMessage().contains("hunter2"), notPostgres.getMessage());
        assertTrue(new String(notPostgres.getMessage().getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)
                .contains("jdbc:mysql://h/db"));
    }
}
