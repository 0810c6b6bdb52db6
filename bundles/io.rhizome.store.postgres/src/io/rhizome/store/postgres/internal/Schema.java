package io.rhizome.store.postgres.internal;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.spi.store.StoreException;

/**
 * The store's tables and how a database is brought to the version this bundle knows. Every
 * version is a list of statements; {@link #migrate} runs the ones a database lacks, and records
 * them in {@code rhizome_schema}, all in one transaction, under an advisory lock so that two hub
 * processes starting at once migrate once. A database whose version is newer than
 * {@link #LATEST} (written by a newer store) is refused and left as it is.
 *
 * <p>Text columns are {@code COLLATE "C"}: keys compare by their bytes, whatever the database's
 * locale, so prefix scans use the primary-key index; results are still sorted in Java, as
 * {@link String#compareTo} orders them.
 */
final class Schema {

    private static final Logger LOG = LoggerFactory.getLogger(Schema.class);

    /** The advisory lock key that serialises migrations ("rhizome" in ASCII). */
    private static final long MIGRATION_LOCK = 0x72_68_69_7a_6f_6d_65L;

    /** Version n is {@code VERSIONS.get(n - 1)}. Never change a released version: add one. */
    private static final List<List<String>> VERSIONS = List.of(List.of(
            """
            CREATE TABLE rhizome_log (
                position bigint PRIMARY KEY,
                stream text COLLATE "C" NOT NULL,
                seq bigint NOT NULL CHECK (seq >= 1),
                payload bytea NOT NULL,
                UNIQUE (stream, seq))""",
            "CREATE TABLE rhizome_log_head (id smallint PRIMARY KEY CHECK (id = 1), next_position bigint NOT NULL)",
            "INSERT INTO rhizome_log_head VALUES (1, 0)",
            """
            CREATE TABLE rhizome_stream (
                stream text COLLATE "C" PRIMARY KEY,
                max_seq bigint NOT NULL,
                entries bigint NOT NULL)""",
            "CREATE TABLE rhizome_meta (name text COLLATE \"C\" PRIMARY KEY, value bytea NOT NULL)",
            """
            CREATE TABLE rhizome_space (
                kind text COLLATE "C" NOT NULL,
                owner text COLLATE "C" NOT NULL,
                key text COLLATE "C" NOT NULL,
                value bytea NOT NULL,
                PRIMARY KEY (kind, owner, key))""",
            """
            CREATE TABLE rhizome_entity (
                namespace text COLLATE "C" NOT NULL,
                key text COLLATE "C" NOT NULL,
                state bytea NOT NULL,
                PRIMARY KEY (namespace, key))""",
            "CREATE TABLE rhizome_checkpoint (id smallint PRIMARY KEY CHECK (id = 1), position bigint NOT NULL)",
            "INSERT INTO rhizome_checkpoint VALUES (1, 0)"));

    /** The schema version this bundle writes. */
    static final int LATEST = VERSIONS.size();

    private Schema() {
    }

    /** Brings the database to {@link #LATEST}; returns the version it had (0: empty). */
    static int migrate(ConnectionPool pool, String url) throws StoreException {
        return pool.inTransaction("schema migration", c -> {
            boolean exists;
            try (Statement s = c.createStatement()) {
                s.execute("SELECT pg_advisory_xact_lock(" + MIGRATION_LOCK + ")");
                // looked up, not CREATE ... IF NOT EXISTS: that needs the CREATE privilege even when the table exists
                try (ResultSet r = s.executeQuery("SELECT to_regclass('rhizome_schema') IS NOT NULL")) {
                    r.next();
                    exists = r.getBoolean(1);
                }
                if (!exists) {
                    s.execute("CREATE TABLE rhizome_schema (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())");
                }
            }
            int found = version(c);
            if (found > LATEST) {
                throw new StoreException("the PostgreSQL database at " + url + " has Rhizome store schema version " + found
                        + ", newer than this io.rhizome.store.postgres knows (" + LATEST
                        + "): run a newer Rhizome on it, or give this one another database; nothing was changed");
            }
            for (int v = found + 1; v <= LATEST; v++) {
                try (Statement s = c.createStatement()) {
                    for (String sql : VERSIONS.get(v - 1)) {
                        s.execute(sql);
                    }
                    s.execute("INSERT INTO rhizome_schema (version) VALUES (" + v + ")");
                }
            }
            if (found < LATEST) {
                LOG.info("PostgreSQL store {}: schema migrated from version {} to {}", url, found, LATEST);
            }
            return found;
        });
    }

    static int version(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT coalesce(max(version), 0) FROM rhizome_schema")) {
            r.next();
            return r.getInt(1);
        }
    }
}
