package io.rhizome.rest.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;

/**
 * Tells when the HTTP runtime has given up on serving the REST API. Felix Jetty binds its port
 * while its bundle starts and registers {@code HttpServiceRuntime} only when that worked; it does
 * not retry. So once the framework has started every bundle, a runtime that is still missing a
 * moment later means the port could not be bound (taken by another program, or not allowed), and
 * a CLI would never reach this node.
 *
 * <p>Not thread-safe except {@link #frameworkStarted()}: one publisher thread asks.
 */
final class HttpRuntimeWatch {

    /** How long the runtime may be missing after the framework started (Jetty registers right after binding). */
    static final long GRACE_MILLIS = 2_000;

    private volatile boolean started;
    private long missingSince = -1;

    /** Whether {@link #frameworkStarted()} was called. */
    boolean isFrameworkStarted() {
        return started;
    }

    /** The framework has started every bundle (FrameworkEvent STARTED or STARTLEVEL_CHANGED). */
    void frameworkStarted() {
        started = true;
    }

    /** Whether the runtime is missing for good, given whether one is registered at {@code nowMillis}. */
    boolean gaveUp(boolean runtimePresent, long nowMillis) {
        if (runtimePresent || !started) {
            missingSince = -1;
            return false;
        }
        if (missingSince < 0) {
            missingSince = nowMillis;
        }
        return nowMillis - missingSince >= GRACE_MILLIS;
    }

    /**
     * What to tell the user: which port, why (when something answers there, another program holds
     * it) and what to change. {@code configuredPort} is 0 when a free port was asked for.
     */
    static String failure(int configuredPort, Path config) {
        if (configuredPort <= 0) {
            return "the REST API did not start: the HTTP runtime failed (see the error above); the node stops";
        }
        String why = answersOnLoopback(configuredPort)
                ? "another program is listening on it"
                : "the port cannot be bound (see the error above)";
        return "the REST API cannot listen on 127.0.0.1:" + configuredPort + ": " + why + "; set api.port in " + config
                + " to a free port, or to 0 to pick one, and start the node again";
    }

    private static boolean answersOnLoopback(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1_000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
