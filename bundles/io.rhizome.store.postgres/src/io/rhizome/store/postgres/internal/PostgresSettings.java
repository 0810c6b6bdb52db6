package io.rhizome.store.postgres.internal;

import java.time.Duration;
import java.util.Objects;

/**
 * Where the store's database is and how to reach it. The password never appears in
 * {@link #toString()} or in any message; {@link #safeUrl()} is the URL with a {@code password}
 * parameter, if the URL carries one, masked.
 *
 * @param url         a PostgreSQL JDBC URL, {@code jdbc:postgresql://host:port/database}
 * @param user        the database role (empty: the driver's default)
 * @param password    the role's password (empty: none, e.g. for peer or trust authentication)
 * @param connections how many connections the store keeps open (readers and writers share them)
 * @param connectTimeout how long opening one connection may take
 */
public record PostgresSettings(String url, String user, String password, int connections, Duration connectTimeout) {

    public static final int DEFAULT_CONNECTIONS = 4;
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(30);

    public PostgresSettings {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        if (!url.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("the PostgreSQL store's url must be a PostgreSQL JDBC URL such as "
                    + "jdbc:postgresql://db.example:5432/rhizome, not '" + mask(url) + "'");
        }
        if (connections < 1 || connections > 64) {
            throw new IllegalArgumentException("the PostgreSQL store needs 1 to 64 connections, not " + connections);
        }
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("the connect timeout must be positive, not " + connectTimeout);
        }
    }

    public static PostgresSettings of(String url, String user, String password) {
        return new PostgresSettings(url, user, password, DEFAULT_CONNECTIONS, DEFAULT_CONNECT_TIMEOUT);
    }

    /** The URL for messages and status output: a {@code password=} parameter in it is masked. */
    public String safeUrl() {
        return mask(url);
    }

    static String mask(String url) {
        return url.replaceAll("(?i)(password=)[^&]*", "$1***");
    }

    @Override
    public String toString() {
        return "PostgresSettings[url=" + safeUrl() + ", user=" + user + ", connections=" + connections + "]";
    }
}
