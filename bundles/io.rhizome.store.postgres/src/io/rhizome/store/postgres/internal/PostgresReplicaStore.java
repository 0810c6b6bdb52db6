package io.rhizome.store.postgres.internal;

import java.sql.Connection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.spi.store.EntityRef;
import io.rhizome.spi.store.LogEntry;
import io.rhizome.spi.store.MetadataOwner;
import io.rhizome.spi.store.MetadataSpace;
import io.rhizome.spi.store.NewEntry;
import io.rhizome.spi.store.ReplicaStore;
import io.rhizome.spi.store.StoreException;

/**
 * A {@link ReplicaStore} in a PostgreSQL database, which several hub processes may share: every
 * value lives in the database and nothing is cached, so each process sees what any of them
 * committed, and each call is one transaction (an append with its metadata updates included).
 * Durable at return means committed; how durable a commit is (one disk, a synchronous standby)
 * is PostgreSQL's {@code synchronous_commit} and replication setting, see the README. Concurrent
 * appends of one process share one transaction ({@link AppendCommitter}).
 *
 * <p>{@link #open} connects, refuses a database of a newer schema and migrates an older one, all
 * before it returns: a store that opened is usable. A database that becomes unreachable later
 * makes calls fail with a {@link StoreException} naming the URL; connections are replaced on
 * the next call, so the store serves again once the database is back.
 */
public final class PostgresReplicaStore implements ReplicaStore {

    private static final Logger LOG = LoggerFactory.getLogger(PostgresReplicaStore.class);

    private final PostgresSettings settings;
    private final ConnectionPool pool;
    private final AppendCommitter appends;
    /** The last head read or written, answered by {@link #head()} when the database cannot be asked. */
    private final AtomicLong lastHead = new AtomicLong();

    private PostgresReplicaStore(PostgresSettings settings, ConnectionPool pool) {
        this.settings = settings;
        this.pool = pool;
        this.appends = new AppendCommitter(pool, settings.safeUrl());
    }

    /**
     * Connects to the database and brings its schema to the version this bundle knows.
     *
     * @throws StoreException naming the URL (never the password) when the database cannot be
     *                        reached, refuses the login, or has a newer schema; nothing is created
     */
    public static PostgresReplicaStore open(PostgresSettings settings) throws StoreException {
        ConnectionPool pool = new ConnectionPool(settings);
        try {
            // connect once before anything else, so a bad URL or password fails with the connect message
            pool.inTransaction("connecting", c -> null);
            Schema.migrate(pool, settings.safeUrl());
            PostgresReplicaStore store = new PostgresReplicaStore(settings, pool);
            store.lastHead.set(pool.inTransaction("reading the log head", LogTable::head));
            LOG.info("PostgreSQL store {} open (schema version {}, {} change sets)", settings.safeUrl(), Schema.LATEST,
                    store.lastHead.get());
            return store;
        } catch (StoreException | RuntimeException e) {
            pool.close();
            throw e;
        }
    }

    public PostgresSettings settings() {
        return settings;
    }

    /** Closes every connection; later calls throw {@link StoreException}. */
    public void close() {
        appends.close();
        pool.close();
    }

    @Override
    public String location() {
        return settings.safeUrl();
    }

    @Override
    public List<LogEntry> append(List<NewEntry> entries, Map<String, byte[]> metaUpdates) throws StoreException {
        if (entries.isEmpty() && metaUpdates.isEmpty()) {
            checkOpen();
            return List.of();
        }
        List<LogEntry> added = appends.append(entries, metaUpdates);
        if (!added.isEmpty()) {
            lastHead.accumulateAndGet(added.get(added.size() - 1).position() + 1, Math::max);
        }
        return added;
    }

    @Override
    public List<LogEntry> read(long fromPosition, int maxEntries, long maxBytes) throws StoreException {
        return pool.inTransaction("reading the log", c -> LogTable.read(c, fromPosition, maxEntries, maxBytes));
    }

    @Override
    public Optional<LogEntry> get(String stream, long seq) throws StoreException {
        return pool.inTransaction("reading " + stream + "/" + seq, c -> LogTable.get(c, stream, seq));
    }

    /**
     * Asks the database, since another hub process may have appended. When it cannot be asked (the
     * SPI gives this method no exception) the last head this process saw is answered and the
     * failure logged: a head that is behind only delays what is sent, never loses anything.
     */
    @Override
    public long head() {
        try {
            long head = pool.inTransaction("reading the log head", LogTable::head);
            return lastHead.accumulateAndGet(head, Math::max);
        } catch (StoreException e) {
            LOG.warn("{}; answering the last head seen, {}", e.getMessage(), lastHead.get());
            return lastHead.get();
        }
    }

    @Override
    public Map<String, Long> streamSeqs() throws StoreException {
        return pool.inTransaction("reading the streams", LogTable::streamSeqs);
    }

    @Override
    public MetadataSpace metadata(MetadataOwner owner) {
        return new PostgresMetadataSpace(pool, owner);
    }

    @Override
    public Optional<byte[]> meta(String name) throws StoreException {
        return pool.inTransaction("reading metadata " + name, c -> KeyValueTables.meta(c, name));
    }

    @Override
    public Map<String, byte[]> metaWithPrefix(String prefix) throws StoreException {
        return pool.inTransaction("reading metadata " + prefix + "*", c -> KeyValueTables.metaWithPrefix(c, prefix));
    }

    @Override
    public void putMeta(Map<String, byte[]> updates) throws StoreException {
        if (updates.isEmpty()) {
            checkOpen();
            return;
        }
        pool.inTransaction("writing metadata", c -> {
            KeyValueTables.putMeta(c, updates);
            return null;
        });
    }

    @Override
    public void checkpoint(Map<EntityRef, byte[]> states, long includesLogUpTo) throws StoreException {
        pool.inTransaction("checkpoint", c -> {
            KeyValueTables.checkpoint(c, states, includesLogUpTo);
            return null;
        });
    }

    @Override
    public Optional<byte[]> entityState(EntityRef entity) throws StoreException {
        return pool.inTransaction("reading the checkpoint of " + entity, c -> KeyValueTables.entityState(c, entity));
    }

    @Override
    public List<String> checkpointedKeys(String namespace) throws StoreException {
        return pool.inTransaction("reading the checkpoints of " + namespace, c -> KeyValueTables.checkpointedKeys(c, namespace));
    }

    @Override
    public long checkpointPosition() throws StoreException {
        return pool.inTransaction("reading the checkpoint position", KeyValueTables::checkpointPosition);
    }

    /** The schema version of the database, for tests and status. */
    int schemaVersion() throws StoreException {
        return pool.inTransaction("reading the schema version", (Connection c) -> Schema.version(c));
    }

    private void checkOpen() throws StoreException {
        if (pool.isClosed()) {
            throw pool.closedException();
        }
    }
}
