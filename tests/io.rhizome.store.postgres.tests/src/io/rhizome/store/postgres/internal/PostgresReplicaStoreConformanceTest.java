package io.rhizome.store.postgres.internal;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import io.rhizome.spi.store.ReplicaStore;
import io.rhizome.testsupport.postgres.PostgresServer;
import io.rhizome.testsupport.store.ReplicaStoreConformance;

/**
 * The PostgreSQL store passes the ReplicaStore conformance suite against a real PostgreSQL server
 * started for this class. The suite's fresh folder per test becomes a fresh database per test;
 * re-opening the folder re-opens the same database.
 */
class PostgresReplicaStoreConformanceTest extends ReplicaStoreConformance {

    private static PostgresServer server;
    private static final Map<Path, String> DATABASES = new HashMap<>();

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

    @Override
    protected ReplicaStore open(Path folder) throws Exception {
        String database;
        synchronized (DATABASES) {
            database = DATABASES.get(folder);
            if (database == null) {
                database = "conformance_" + DATABASES.size();
                server.createDatabase(database);
                DATABASES.put(folder, database);
            }
        }
        return PostgresReplicaStore.open(PostgresSettings.of(server.url(database), server.user(), server.password()));
    }

    @Override
    protected void close(ReplicaStore store) {
        ((PostgresReplicaStore) store).close();
    }
}
