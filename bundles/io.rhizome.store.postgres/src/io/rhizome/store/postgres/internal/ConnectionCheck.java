package io.rhizome.store.postgres.internal;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/**
 * The launcher's check of a hub's PostgreSQL settings before the hub starts (plain Java, run with
 * this bundle's jar and the JDBC driver's on the class path): logs in once with {@code URL USER
 * PASSWORD_FILE PASSWORD_ENV} (empty strings for none) and runs {@code SELECT 1}. Exit 0: the
 * login works. Exit 2, with a sentence on stderr: a refused login or a missing database, which
 * waiting cannot fix. Exit 3, with a sentence: the server cannot be reached now (the hub starts
 * and its store keeps trying). The password is never printed.
 */
public final class ConnectionCheck {

    static final int REFUSED = 2;
    static final int UNREACHABLE = 3;
    private static final int TIMEOUT_SECONDS = 10;

    private ConnectionCheck() {
    }

    public static void main(String[] args) {
        if (args.length != 4) {
            System.err.println("usage: ConnectionCheck URL USER PASSWORD_FILE PASSWORD_ENV");
            System.exit(REFUSED);
        }
        String url = args[0];
        String user = args[1];
        String password;
        try {
            password = PasswordSource.read(args[2], args[3]);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(REFUSED);
            return;
        }
        Properties props = new Properties();
        if (!user.isEmpty()) {
            props.setProperty("user", user);
        }
        if (!password.isEmpty()) {
            props.setProperty("password", password);
        }
        props.setProperty("connectTimeout", Integer.toString(TIMEOUT_SECONDS));
        props.setProperty("loginTimeout", Integer.toString(TIMEOUT_SECONDS));
        props.setProperty("ApplicationName", "rhizome hub (settings check)");
        String who = PostgresSettings.mask(url) + (user.isEmpty() ? "" : " as " + user);
        try (Connection c = DriverManager.getConnection(url, props)) {
            c.createStatement().execute("SELECT 1");
        } catch (SQLException e) {
            String state = e.getSQLState() == null ? "" : e.getSQLState();
            String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            if (!password.isEmpty()) {
                reason = reason.replace(password, "***");
            }
            if (state.startsWith("28")) {
                System.err.println("PostgreSQL refused the login to " + who + " (wrong user or password?): " + reason);
                System.exit(REFUSED);
            } else if (state.equals("3D000")) {
                System.err.println("the database of " + who + " does not exist: " + reason);
                System.exit(REFUSED);
            }
            System.err.println("cannot reach " + who + " now (" + reason + "); the hub starts and its store keeps trying");
            System.exit(UNREACHABLE);
        }
    }
}
