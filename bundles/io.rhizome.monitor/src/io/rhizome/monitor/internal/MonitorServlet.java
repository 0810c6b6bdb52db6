package io.rhizome.monitor.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The monitor page at {@code /monitor/}: its files (from the bundle's {@code web/} folder), the
 * one-time login ({@code GET /monitor/login?token=…}), the token mint for {@code rhizome open}
 * ({@code POST /monitor/token} with the API key), the session's CSRF token, logout and the QR image
 * of an invitation. Everything but login and the mint needs a session.
 */
final class MonitorServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(MonitorServlet.class);
    /** The page's files: a fixed list, so no request path ever reaches the bundle's other entries. */
    private static final Map<String, String> FILES = Map.of(
            "/", "index.html",
            "/monitor.js", "monitor.js",
            "/monitor.css", "monitor.css");
    private static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self';"
            + " frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    private final transient LoginTokens tokens;
    private final transient Sessions sessions;
    private final transient BrowserGate gate;
    private final transient NodeApiKey apiKey;
    private final transient ObjectMapper json;
    private final transient Function<String, URL> webEntry;

    MonitorServlet(LoginTokens tokens, Sessions sessions, NodeApiKey apiKey, ObjectMapper json, Function<String, URL> webEntry) {
        this.tokens = tokens;
        this.sessions = sessions;
        this.gate = new BrowserGate(sessions);
        this.apiKey = apiKey;
        this.json = json;
        this.webEntry = webEntry;
    }

    static BrowserGate.Request describe(HttpServletRequest req) {
        return new BrowserGate.Request(req.getMethod(), req.getLocalPort(), req.getHeader("Host"), req.getHeader("Origin"),
                req.getHeader("Sec-Fetch-Site"), req.getHeader("Cookie"), req.getHeader(BrowserGate.CSRF_HEADER));
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String path = req.getPathInfo() == null ? "" : req.getPathInfo();
        resp.setHeader("Cache-Control", "no-store");
        resp.setHeader("X-Content-Type-Options", "nosniff");
        resp.setHeader("Referrer-Policy", "no-referrer");
        resp.setHeader("Content-Security-Policy", CSP);
        if (path.isEmpty()) {
            resp.setStatus(303);
            resp.setHeader("Location", "/monitor/");
            return;
        }
        if (path.equals("/token")) {
            mint(req, resp);
            return;
        }
        if (path.equals("/login")) {
            login(req, resp);
            return;
        }
        BrowserGate.Decision d = gate.check(describe(req));
        if (!d.allowed()) {
            if (FILES.containsKey(path)) {
                page(resp, d.status(), "Rhizome monitor", d.message());
            } else {
                error(resp, d.status(), d.status() == 401 ? "unauthorized" : "forbidden", d.message());
            }
            return;
        }
        Sessions.Session session = d.session().get();
        switch (path) {
            case "/session" -> {
                if (only("GET", req, resp)) {
                    send(resp, 200, "application/json", json.writeValueAsBytes(json.createObjectNode().put("csrf", session.csrf())));
                }
            }
            case "/logout" -> {
                if (only("POST", req, resp)) {
                    sessions.close(session.id());
                    resp.addHeader("Set-Cookie", BrowserGate.clearedCookie(req.getLocalPort()));
                    send(resp, 200, "application/json", json.writeValueAsBytes(json.createObjectNode().put("loggedOut", true)));
                }
            }
            case "/qr.svg" -> {
                if (only("GET", req, resp)) {
                    qr(req, resp);
                }
            }
            default -> {
                if (FILES.containsKey(path) && only("GET", req, resp)) {
                    file(FILES.get(path), resp);
                } else if (!FILES.containsKey(path)) {
                    error(resp, 404, "not_found", "no monitor resource at /monitor" + path);
                }
            }
        }
    }

    /** {@code rhizome open}: a caller with the API key gets a one-time login path. */
    private void mint(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (!only("POST", req, resp)) {
            return;
        }
        String key = apiKey.get().orElse(null);
        if (key == null) {
            error(resp, 503, "unavailable", "the node is still starting (its REST API is not published yet); try again in a moment");
            return;
        }
        if (!Secrets.same(key, req.getHeader(ApiSessionFilter.API_KEY_HEADER))) {
            error(resp, 401, "unauthorized", "a login link needs the X-API-Key header of api.json in the node's home folder");
            return;
        }
        LoginTokens.Minted m = tokens.mint();
        ObjectNode o = json.createObjectNode();
        o.put("loginPath", "/monitor/login?token=" + m.token());
        o.put("expiresAt", java.time.Instant.ofEpochMilli(m.expiresAt()).toString());
        send(resp, 201, "application/json", json.writeValueAsBytes(o));
    }

    private void login(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        int port = req.getLocalPort();
        if (!BrowserGate.loopbackHost(req.getHeader("Host"), port)) {
            page(resp, 403, "Rhizome monitor", "the monitor answers only at http://127.0.0.1:" + port + "/");
            return;
        }
        if (!tokens.redeem(req.getParameter("token"))) {
            LOG.info("monitor login refused from {}: the link was used already or expired", req.getRemoteAddr());
            page(resp, 401, "Rhizome monitor", "this login link was used already or has expired; run: rhizome open");
            return;
        }
        Sessions.Session s = sessions.open();
        LOG.info("monitor session started for a browser on {}", req.getRemoteAddr());
        resp.addHeader("Set-Cookie", BrowserGate.sessionCookie(port, s.id()));
        // 303 to the page: the token leaves the address bar and the history.
        resp.setStatus(303);
        resp.setHeader("Location", "/monitor/");
    }

    private void qr(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String text = req.getParameter("text");
        try {
            send(resp, 200, "image/svg+xml", QrSvg.of(text == null ? "" : text).getBytes(StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            error(resp, 400, "invalid_qr", e.getMessage());
        }
    }

    private void file(String name, HttpServletResponse resp) throws IOException {
        URL url = webEntry.apply("web/" + name);
        if (url == null) {
            error(resp, 500, "missing", "the monitor bundle has no " + name + " (a broken build)");
            return;
        }
        String type = name.endsWith(".js") ? "text/javascript" : name.endsWith(".css") ? "text/css" : "text/html";
        try (InputStream in = url.openStream()) {
            send(resp, 200, type + "; charset=utf-8", in.readAllBytes());
        }
    }

    private boolean only(String method, HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (method.equals(req.getMethod())) {
            return true;
        }
        error(resp, 405, "method_not_allowed", req.getMethod() + " is not allowed here; use " + method);
        return false;
    }

    private void error(HttpServletResponse resp, int status, String code, String message) throws IOException {
        send(resp, status, "application/json", json.writeValueAsBytes(json.createObjectNode().put("error", code).put("message", message)));
    }

    /** A short HTML page for a person who opened a link (no script, nothing from outside). */
    private static void page(HttpServletResponse resp, int status, String title, String message) throws IOException {
        String html = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + escape(title) + "</title></head><body><h1>"
                + escape(title) + "</h1><p id=\"message\">" + escape(message) + "</p></body></html>";
        send(resp, status, "text/html; charset=utf-8", html.getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpServletResponse resp, int status, String type, byte[] body) throws IOException {
        resp.setStatus(status);
        resp.setContentType(type);
        resp.setContentLength(body.length);
        resp.getOutputStream().write(body);
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
