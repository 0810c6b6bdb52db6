package io.rhizome.store.postgres.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Properties;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.spi.store.StoreException;

/**
 * A few JDBC connections to the store's database, each used by one call at a time, and the one
 * way the store talks to it: {@link #inTransaction}. The driver is instantiated directly instead
 * of through {@code DriverManager}, whose class-loader checks do not fit OSGi.
 *
 * <p>A connection that failed with a connection-class error (SQLSTATE 08xxx) or no longer answers
 * is closed and replaced by a new one on the next call, so a database that restarts or fails over
 * costs the calls in flight, not the store. A transaction that PostgreSQL aborted for a deadlock or
 * a serialization conflict is retried (a bounded number of times): nothing of it was applied.
 */
final class ConnectionPool implements AutoCloseable {

    /** Work inside one transaction; a thrown exception rolls all of it back. */
    @FunctionalInterface
    interface SqlWork<T> {
        T run(Connection c) throws SQLException, StoreException;
    }

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionPool.class);
    private static final int MAX_ATTEMPTS = 5;
    private static final long WAIT_FOR_CONNECTION_SECONDS = 60;

    private final PostgresSettings settings;
    private final org.postgresql.Driver driver = new org.postgresql.Driver();
    private final BlockingQueue<Connection> idle;
    private final Semaphore permits;
    private volatile boolean closed;

    ConnectionPool(PostgresSettings settings) {
        this.settings = settings;
        this.idle = new ArrayBlockingQueue<>(settings.connections());
        this.permits = new Semaphore(settings.connections(), true);
    }

    /** Runs {@code work} in one transaction and commits it; on any failure nothing of it is applied. */
    <T> T inTransaction(String what, SqlWork<T> work) throws StoreException {
        for (int attempt = 1; ; attempt++) {
            Connection c = take(what);
            boolean broken = false;
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException e) {
                rollback(c);
                broken = isConnectionError(e) || !isValid(c);
                if (isRetryable(e) && attempt < MAX_ATTEMPTS) {
                    LOG.debug("{} on {} aborted by PostgreSQL ({}), attempt {}: retried", what, settings.safeUrl(),
                            e.getSQLState(), attempt);
                    continue;
                }
                throw new StoreException("PostgreSQL store " + settings.safeUrl() + ": " + what + " failed: "
                        + e.getMessage(), e);
            } catch (StoreException | RuntimeException e) {
                rollback(c);
                throw e;
            } finally {
                give(c, broken);
            }
        }
    }

    /** Opens one connection now: a bad URL, password or an unreachable server fails here, naming the URL. */
    Connection open() throws StoreException {
        Properties props = new Properties();
        if (!settings.user().isEmpty()) {
            props.setProperty("user", settings.user());
        }
        if (!settings.password().isEmpty()) {
            props.setProperty("password", settings.password());
        }
        long timeout = Math.max(1, settings.connectTimeout().toSeconds());
        props.setProperty("connectTimeout", Long.toString(timeout));
        props.setProperty("loginTimeout", Long.toString(timeout));
        props.setProperty("tcpKeepAlive", "true");
        props.setProperty("ApplicationName", "rhizome-store");
        try {
            Connection c = driver.connect(settings.url(), props);
            if (c == null) {
                throw new StoreException("the PostgreSQL driver does not accept the URL " + settings.safeUrl());
            }
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            return c;
        } catch (SQLException e) {
            throw new StoreException("cannot connect to the PostgreSQL store at " + settings.safeUrl()
                    + (settings.user().isEmpty() ? "" : " as user " + settings.user()) + ": " + e.getMessage(), e);
        }
    }

    private Connection take(String what) throws StoreException {
        if (closed) {
            throw closedException();
        }
        try {
            if (!permits.tryAcquire(WAIT_FOR_CONNECTION_SECONDS, TimeUnit.SECONDS)) {
                throw new StoreException("PostgreSQL store " + settings.safeUrl() + ": " + what + " waited "
                        + WAIT_FOR_CONNECTION_SECONDS + " s for one of its " + settings.connections() + " connections");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while waiting for a connection to " + settings.safeUrl(), e);
        }
        if (closed) {
            permits.release();
            throw closedException();
        }
        Connection c = idle.poll();
        if (c != null) {
            return c;
        }
        try {
            return open();
        } catch (StoreException | RuntimeException e) {
            permits.release();
            throw e;
        }
    }

    private void give(Connection c, boolean broken) {
        if (broken || closed || !idle.offer(c)) {
            quietlyClose(c);
        }
        permits.release();
        if (closed) {
            drain();
        }
    }

    StoreException closedException() {
        return new StoreException("the PostgreSQL store " + settings.safeUrl() + " is closed");
    }

    boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        closed = true;
        drain();
    }

    private void drain() {
        for (Connection c; (c = idle.poll()) != null; ) {
            quietlyClose(c);
        }
    }

    private static boolean isRetryable(SQLException e) {
        String state = e.getSQLState();
        return "40001".equals(state) || "40P01".equals(state);
    }

    private static boolean isConnectionError(SQLException e) {
        String state = e.getSQLState();
        return state == null || state.startsWith("08") || state.startsWith("57P");
    }

    private static boolean isValid(Connection c) {
        try {
            return c.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    private static void rollback(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the connection is checked and replaced if it is broken
        }
    }

    private static void quietlyClose(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // closing anyway
        }
    }
}
