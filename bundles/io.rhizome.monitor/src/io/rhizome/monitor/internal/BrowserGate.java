package io.rhizome.monitor.internal;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Decides whether a browser request rides on a monitor session, and whether a state-changing one
 * is safe to run. Plain Java; the servlet and the filter both ask it.
 *
 * <ul>
 * <li>The session cookie is named after the port ({@code rhizome_monitor_PORT}): cookies are kept
 * per host, not per port, so two daemons on one machine would otherwise log each other out.</li>
 * <li>The {@code Host} must be this loopback port: a page on another name that resolves to
 * 127.0.0.1 (DNS rebinding) is refused even before its cookie would be looked at.</li>
 * <li>A request that changes state ({@code POST}, {@code PUT}, {@code DELETE}, …) needs the
 * session's CSRF token in {@code X-Rhizome-CSRF} and, when the browser sends them, an
 * {@code Origin} of this page and {@code Sec-Fetch-Site: same-origin}. The cookie is also
 * SameSite=Strict; the header check holds in browsers that ignore that.</li>
 * </ul>
 */
final class BrowserGate {

    static final String CSRF_HEADER = "X-Rhizome-CSRF";
    private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS");

    /** What a request shows about itself. Any header may be null (not sent). */
    record Request(String method, int localPort, String host, String origin, String fetchSite, String cookieHeader, String csrfHeader) {
    }

    /** Either a session, or a refusal with its HTTP status and a sentence saying what to do. */
    record Decision(Optional<Sessions.Session> session, int status, String message) {
        static Decision allow(Sessions.Session s) {
            return new Decision(Optional.of(s), 200, "");
        }

        static Decision refuse(int status, String message) {
            return new Decision(Optional.empty(), status, message);
        }

        boolean allowed() {
            return session.isPresent();
        }
    }

    private final Sessions sessions;

    BrowserGate(Sessions sessions) {
        this.sessions = sessions;
    }

    static String cookieName(int port) {
        return "rhizome_monitor_" + port;
    }

    /** The {@code Set-Cookie} value that starts a session on this port. */
    static String sessionCookie(int port, String sessionId) {
        return cookieName(port) + "=" + sessionId + "; Path=/; HttpOnly; SameSite=Strict";
    }

    /** The {@code Set-Cookie} value that ends it in the browser. */
    static String clearedCookie(int port) {
        return cookieName(port) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0";
    }

    static boolean loopbackHost(String host, int port) {
        if (host == null) {
            return false;
        }
        String h = host.toLowerCase(Locale.ROOT);
        return h.equals("127.0.0.1:" + port) || h.equals("localhost:" + port) || h.equals("[::1]:" + port);
    }

    /** Whether the request carries a session cookie of this port at all (else it may use the API key). */
    static boolean hasSessionCookie(Request r) {
        return cookie(r.cookieHeader(), cookieName(r.localPort())).isPresent();
    }

    Decision check(Request r) {
        if (!loopbackHost(r.host(), r.localPort())) {
            return Decision.refuse(403, "the monitor answers only at http://127.0.0.1:" + r.localPort() + "/ (this request named host "
                    + r.host() + ")");
        }
        Optional<Sessions.Session> session = cookie(r.cookieHeader(), cookieName(r.localPort())).flatMap(sessions::find);
        if (session.isEmpty()) {
            return Decision.refuse(401, "not logged in to the monitor (or the session ended); run: rhizome open");
        }
        if (!SAFE_METHODS.contains(r.method().toUpperCase(Locale.ROOT))) {
            String self = "http://" + r.host().toLowerCase(Locale.ROOT);
            if (r.origin() != null && !r.origin().toLowerCase(Locale.ROOT).equals(self)) {
                return Decision.refuse(403, "refused a " + r.method() + " from another origin (" + r.origin() + ")");
            }
            if (r.fetchSite() != null && !r.fetchSite().equals("same-origin")) {
                return Decision.refuse(403, "refused a " + r.method() + " that did not come from the monitor page (Sec-Fetch-Site: "
                        + r.fetchSite() + ")");
            }
            if (!Secrets.same(session.get().csrf(), r.csrfHeader())) {
                return Decision.refuse(403, "refused a " + r.method() + " without the session's " + CSRF_HEADER
                        + " header (reload the monitor page)");
            }
        }
        return Decision.allow(session.get());
    }

    /** The value of cookie {@code name} in a {@code Cookie} header. */
    static Optional<String> cookie(String header, String name) {
        if (header == null) {
            return Optional.empty();
        }
        for (String part : header.split(";")) {
            String p = part.trim();
            int eq = p.indexOf('=');
            if (eq > 0 && p.substring(0, eq).equals(name) && eq + 1 < p.length()) {
                return Optional.of(p.substring(eq + 1));
            }
        }
        return Optional.empty();
    }
}
