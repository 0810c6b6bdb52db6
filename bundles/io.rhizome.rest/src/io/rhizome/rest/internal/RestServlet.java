package io.rhizome.rest.internal;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.ObjectMapper;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/** Adapts the servlet API to {@link RestRouter}; registered on the HTTP whiteboard at {@code /api/*}. */
final class RestServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(RestServlet.class);
    /** Requests larger than this are refused before being read. */
    static final int MAX_BODY_BYTES = 16 * 1024 * 1024;

    private final transient RestRouter router;
    private final transient ObjectMapper json;

    RestServlet(RestRouter router, ObjectMapper json) {
        this.router = router;
        this.json = json;
    }

    /**
     * The path below the servlet, still percent-encoded: keys may hold an encoded {@code /}, so
     * the resources split first and decode after ({@link PathSegments}).
     */
    private static String rawPath(HttpServletRequest req) {
        String uri = req.getRequestURI();
        String prefix = req.getContextPath() + req.getServletPath();
        if (uri != null && uri.startsWith(prefix)) {
            String raw = uri.substring(prefix.length());
            return raw.isEmpty() ? "/" : raw;
        }
        return req.getPathInfo() == null ? "/" : req.getPathInfo();
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        RestResponse response;
        long length = req.getContentLengthLong();
        Optional<String> key = Optional.ofNullable(req.getHeader("X-API-Key"));
        Optional<RestResponse> unauthorized = router.unauthorized(key);
        if (unauthorized.isPresent()) {
            // answered from the headers alone: a caller without the key never makes the node read a body
            response = unauthorized.get();
            resp.setHeader("Connection", "close");
        } else if (length > MAX_BODY_BYTES) {
            response = RestResponse.error(413, "too_large", "request body of " + length + " bytes exceeds " + MAX_BODY_BYTES);
        } else {
            byte[] body = req.getInputStream().readNBytes(MAX_BODY_BYTES + 1);
            if (body.length > MAX_BODY_BYTES) {
                response = RestResponse.error(413, "too_large", "request body exceeds " + MAX_BODY_BYTES + " bytes");
            } else {
                Map<String, String> query = new HashMap<>();
                req.getParameterMap().forEach((k, v) -> query.put(k, v.length > 0 ? v[0] : ""));
                String path = rawPath(req);
                response = router.handle(new RestRequest(req.getMethod(), path, query, key, body));
            }
        }
        resp.setStatus(response.status());
        resp.setContentType(response.contentType());
        resp.setCharacterEncoding("UTF-8");
        resp.setHeader("Cache-Control", "no-store");
        if (response.streamed()) {
            resp.flushBuffer();
            try {
                response.stream().write(resp.getOutputStream());
            } catch (IOException gone) {
                // The client went away (Ctrl-C on `rhizome watch`): how a stream ends, not a server fault.
                LOG.info("client of {} {} went away: {}", req.getMethod(), req.getRequestURI(), gone.toString());
            }
        } else {
            json.writeValue(resp.getOutputStream(), response.body());
        }
    }
}
