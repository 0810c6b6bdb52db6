package io.rhizome.monitor.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Lets a logged-in monitor page call the REST API ({@code /api/*}) with its session cookie: a
 * request with the cookie is checked by {@link BrowserGate} (host, and for a state-changing call
 * the CSRF token and origin) and then reaches the REST servlet carrying the node's API key, added
 * here so it never travels to the browser. A request without the cookie passes unchanged (a CLI
 * with its key, or a 401 from the REST API).
 */
final class ApiSessionFilter implements Filter {

    static final String API_KEY_HEADER = "X-API-Key";

    private final BrowserGate gate;
    private final NodeApiKey apiKey;
    private final ObjectMapper json;

    ApiSessionFilter(BrowserGate gate, NodeApiKey apiKey, ObjectMapper json) {
        this.gate = gate;
        this.apiKey = apiKey;
        this.json = json;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
        if (!(request instanceof HttpServletRequest req) || !(response instanceof HttpServletResponse resp)
                || req.getHeader(API_KEY_HEADER) != null) {
            chain.doFilter(request, response);
            return;
        }
        BrowserGate.Request r = MonitorServlet.describe(req);
        if (!BrowserGate.hasSessionCookie(r)) {
            chain.doFilter(request, response);
            return;
        }
        BrowserGate.Decision d = gate.check(r);
        if (!d.allowed()) {
            error(resp, d.status(), d.status() == 401 ? "unauthorized" : "forbidden", d.message());
            return;
        }
        Optional<String> key = apiKey.get();
        if (key.isEmpty()) {
            error(resp, 503, "unavailable", "the node is still starting (its REST API is not published yet); try again in a moment");
            return;
        }
        chain.doFilter(new WithApiKey(req, key.get()), response);
    }

    private void error(HttpServletResponse resp, int status, String code, String message) throws IOException {
        ObjectNode body = json.createObjectNode().put("error", code).put("message", message);
        resp.setStatus(status);
        resp.setContentType("application/json");
        resp.setCharacterEncoding("UTF-8");
        resp.setHeader("Cache-Control", "no-store");
        resp.getOutputStream().write(json.writeValueAsString(body).getBytes(StandardCharsets.UTF_8));
    }

    /** The browser's request as the REST servlet sees it: with the node's key. */
    private static final class WithApiKey extends HttpServletRequestWrapper {
        private final String key;

        WithApiKey(HttpServletRequest request, String key) {
            super(request);
            this.key = key;
        }

        @Override
        public String getHeader(String name) {
            return API_KEY_HEADER.equalsIgnoreCase(name) ? key : super.getHeader(name);
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
            return API_KEY_HEADER.equalsIgnoreCase(name) ? Collections.enumeration(List.of(key)) : super.getHeaders(name);
        }

        @Override
        public Enumeration<String> getHeaderNames() {
            List<String> names = Collections.list(super.getHeaderNames());
            names.add(API_KEY_HEADER);
            return Collections.enumeration(names);
        }
    }
}
