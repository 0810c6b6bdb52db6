package io.rhizome.transport.cloud.fake;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A Google Drive REST v3 server on loopback, written against the public contract for the parts
 * Rhizome uses: bearer tokens (401 without a valid one) and the refresh-token grant, files.list
 * with {@code q} ({@code 'ID' in parents}, {@code name = '…'}, {@code mimeType = '…'},
 * {@code trashed = false}) paged by {@code pageToken} (at most {@link #PAGE} per page whatever
 * {@code pageSize} asks, so paging is exercised), folder creation, multipart and resumable uploads
 * (308 with {@code Range} until complete), media updates, {@code alt=media} downloads, deletes,
 * and errors in Google's JSON shape. Faults are queued and served to the next matching requests:
 * 401 (the token is revoked), 403 {@code rateLimitExceeded}, 429 with {@code Retry-After}, 500, a
 * timeout (no answer for longer than the client waits) and a truncated download. A latency per
 * request can be set.
 *
 * <p>Google's OAuth 2.0 side is {@link FakeGoogleAuth} on the same server. The Changes API:
 * {@code changes/startPageToken} and {@code changes} paged by {@code pageToken} (a bad token is a
 * 400), one change per create, content update and delete. {@code appDataFolder} and {@code root}
 * are aliases of real folder ids, as in Drive: files report their parent by id.
 *
 * <p>Used in-process by the OSGi tests and by the node integration tests (compiled there too).
 */
public final class FakeDrive implements AutoCloseable {

    public static final int PAGE = 3;
    public static final String CLIENT_ID = FakeGoogleAuth.CLIENT_ID;
    public static final String CLIENT_SECRET = FakeGoogleAuth.CLIENT_SECRET;
    /** The refresh token the tests that skip the consent use. */
    public static final String TEST_REFRESH_TOKEN = FakeGoogleAuth.TEST_REFRESH_TOKEN;
    static final String APPDATA_ID = "appdata-root";
    static final String MYDRIVE_ID = "mydrive-root";
    /** Files per listing page at most: {@link #PAGE} so tests page; Drive's own limit (1000) for measurements. */
    public volatile int pageLimit = PAGE;
    /** Google's OAuth side: the consent page, the token endpoint, the tokens it issued. */
    public final FakeGoogleAuth auth = new FakeGoogleAuth();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PARENT = Pattern.compile("'([^']+)' in parents");
    private static final Pattern NAME = Pattern.compile("name = '((?:[^'\\\\]|\\\\.)*)'");
    private static final Pattern MIME = Pattern.compile("mimeType = '([^']+)'");

    /** {@code TRUNCATED}: the connection is cut after half the announced bytes; {@code SHORT}: half the file, announced as all of it. */
    public enum Fault { UNAUTHORIZED, RATE_LIMITED, USER_RATE_LIMITED, TOO_MANY, SERVER_ERROR, NOT_FOUND, TIMEOUT, TRUNCATED, SHORT }

    public record DriveFile(String id, String name, String mimeType, String parent, byte[] content) {
    }

    private record Change(String fileId, DriveFile file) {
    }

    private final HttpServer server;
    private final Map<String, DriveFile> files = new LinkedHashMap<>();
    private final Map<String, ObjectNode> sessions = new ConcurrentHashMap<>();
    private final Map<String, ByteArrayOutputStream> sessionBytes = new ConcurrentHashMap<>();
    private final List<Change> changes = new ArrayList<>();
    private final Deque<Fault> faults = new ArrayDeque<>();
    private final AtomicLong ids = new AtomicLong();
    public final AtomicInteger multipartUploads = new AtomicInteger();
    public final AtomicInteger resumableUploads = new AtomicInteger();
    public final AtomicInteger pagedLists = new AtomicInteger();
    public final AtomicInteger fileLists = new AtomicInteger();
    public final AtomicInteger changeLists = new AtomicInteger();
    public final AtomicInteger startTokens = new AtomicInteger();
    public final AtomicInteger refreshGrants = auth.refreshGrants;
    public final AtomicInteger codeGrants = auth.codeGrants;
    public final AtomicInteger expiredTokenAnswers = auth.expiredTokenAnswers;
    public final AtomicInteger served = new AtomicInteger();
    public final Map<Fault, AtomicInteger> faultsServed = new ConcurrentHashMap<>();
    public volatile long latencyMillis;
    public volatile long timeoutMillis = 3000;

    public FakeDrive() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
    }

    public URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    public URI tokenEndpoint() {
        return uri().resolve("/token");
    }

    public URI authorizationEndpoint() {
        return uri().resolve(FakeGoogleAuth.AUTH_PATH);
    }

    public synchronized void inject(Fault... f) {
        faults.addAll(List.of(f));
    }

    public synchronized int faultsLeft() {
        return faults.size();
    }

    /** Ends every access token now (as when they expire): the next request with one gets a 401. */
    public void expireTokens() {
        auth.expireTokens();
    }

    /** Revokes every refresh token (the user removed the app's access): refreshing is {@code invalid_grant}. */
    public void revokeRefreshTokens() {
        auth.revokeRefreshTokens();
    }

    /** The refresh tokens issued by consents, and the test one, that still work. */
    public Set<String> refreshTokens() {
        return auth.refreshTokens();
    }

    public synchronized List<DriveFile> files() {
        return List.copyOf(files.values());
    }

    public synchronized void replaceContent(String id, byte[] content) {
        DriveFile f = files.get(id);
        files.put(id, new DriveFile(f.id(), f.name(), f.mimeType(), f.parent(), content));
        changes.add(new Change(id, files.get(id)));
    }

    private synchronized Fault nextFault(boolean download) {
        Fault f = faults.peekFirst();
        if (f == null || (f == Fault.TRUNCATED || f == Fault.SHORT) && !download) {
            return null;
        }
        faults.removeFirst();
        faultsServed.computeIfAbsent(f, k -> new AtomicInteger()).incrementAndGet();
        return f;
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            served.incrementAndGet();
            if (latencyMillis > 0) {
                Thread.sleep(latencyMillis);
            }
            String path = ex.getRequestURI().getPath();
            Map<String, String> q = query(ex.getRequestURI().getRawQuery());
            byte[] body = ex.getRequestBody().readAllBytes();
            if (path.equals("/token")) {
                auth.token(ex, body);
                return;
            }
            if (path.equals(FakeGoogleAuth.AUTH_PATH)) {
                auth.consent(ex, q);
                return;
            }
            if (!auth.authorised(ex.getRequestHeaders().getFirst("Authorization"))) {
                error(ex, 401, "authError", "Request had invalid authentication credentials.");
                return;
            }
            boolean download = ex.getRequestMethod().equals("GET") && "media".equals(q.get("alt"));
            Fault fault = nextFault(download);
            if (fault != null) {
                switch (fault) {
                    case UNAUTHORIZED -> {
                        auth.revokeAccessTokens();
                        error(ex, 401, "authError", "Request had invalid authentication credentials.");
                        return;
                    }
                    case RATE_LIMITED -> {
                        error(ex, 403, "rateLimitExceeded", "Rate Limit Exceeded");
                        return;
                    }
                    case USER_RATE_LIMITED -> {
                        error(ex, 403, "userRateLimitExceeded", "User Rate Limit Exceeded");
                        return;
                    }
                    case NOT_FOUND -> {
                        error(ex, 404, "notFound", "File not found.");
                        return;
                    }
                    case TOO_MANY -> {
                        ex.getResponseHeaders().add("Retry-After", "1");
                        error(ex, 429, "rateLimitExceeded", "Too Many Requests");
                        return;
                    }
                    case SERVER_ERROR -> {
                        error(ex, 500, "backendError", "Backend Error");
                        return;
                    }
                    case TIMEOUT -> {
                        Thread.sleep(timeoutMillis);
                        error(ex, 503, "backendError", "too late");
                        return;
                    }
                    case TRUNCATED -> {
                        truncated(ex, path, false);
                        return;
                    }
                    case SHORT -> {
                        truncated(ex, path, true);
                        return;
                    }
                }
            }
            route(ex, path, q, body);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            error(ex, 500, "backendError", String.valueOf(e));
        }
    }

    private void route(HttpExchange ex, String path, Map<String, String> q, byte[] body) throws IOException {
        String method = ex.getRequestMethod();
        if (path.equals("/drive/v3/changes/startPageToken") && method.equals("GET")) {
            // getStartPageToken takes no spaces or page parameters (only driveId and the shared-drive flags).
            for (String k : q.keySet()) {
                if (!Set.of("fields", "driveId", "supportsAllDrives", "supportsTeamDrives", "teamDriveId").contains(k)) {
                    error(ex, 400, "invalidParameter", "Invalid parameter: " + k);
                    return;
                }
            }
            startTokens.incrementAndGet();
            synchronized (this) {
                send(ex, 200, JSON.createObjectNode().put("kind", "drive#startPageToken").put("startPageToken", String.valueOf(changes.size() + 1)));
            }
        } else if (path.equals("/drive/v3/changes") && method.equals("GET")) {
            changes(ex, q);
        } else if (path.equals("/drive/v3/files") && method.equals("GET")) {
            list(ex, q);
        } else if (path.equals("/drive/v3/files") && method.equals("POST")) {
            JsonNode meta = JSON.readTree(body);
            DriveFile f = create(meta, new byte[0]);
            send(ex, 200, JSON.createObjectNode().put("id", f.id()));
        } else if (path.startsWith("/drive/v3/files/") && method.equals("GET") && !"media".equals(q.get("alt"))
                && alias(path.substring("/drive/v3/files/".length())).endsWith("-root")) {
            send(ex, 200, JSON.createObjectNode().put("id", alias(path.substring("/drive/v3/files/".length()))));
        } else if (path.startsWith("/drive/v3/files/") && method.equals("GET")) {
            DriveFile f = file(path.substring("/drive/v3/files/".length()));
            if (f == null) {
                error(ex, 404, "notFound", "File not found: " + path);
            } else if ("media".equals(q.get("alt"))) {
                raw(ex, 200, f.content());
            } else {
                send(ex, 200, JSON.createObjectNode().put("id", f.id()).put("name", f.name()));
            }
        } else if (path.startsWith("/drive/v3/files/") && method.equals("DELETE")) {
            String id = path.substring("/drive/v3/files/".length());
            synchronized (this) {
                if (files.remove(id) == null) {
                    error(ex, 404, "notFound", "File not found: " + id + ".");
                    return;
                }
                changes.add(new Change(id, null));
            }
            ex.sendResponseHeaders(204, -1);
        } else if (path.equals("/upload/drive/v3/files") && method.equals("POST") && "multipart".equals(q.get("uploadType"))) {
            multipart(ex, body);
        } else if (path.equals("/upload/drive/v3/files") && method.equals("POST") && "resumable".equals(q.get("uploadType"))) {
            String session = "s" + ids.incrementAndGet();
            sessions.put(session, (ObjectNode) JSON.readTree(body));
            sessionBytes.put(session, new ByteArrayOutputStream());
            ex.getResponseHeaders().add("Location", uri().resolve("/upload/session/" + session).toString());
            send(ex, 200, JSON.createObjectNode());
        } else if (path.startsWith("/upload/session/") && method.equals("PUT")) {
            resumableChunk(ex, path.substring("/upload/session/".length()), body);
        } else if (path.startsWith("/upload/drive/v3/files/") && method.equals("PATCH")) {
            String id = path.substring("/upload/drive/v3/files/".length());
            if (file(id) == null) {
                error(ex, 404, "notFound", "File not found: " + id);
                return;
            }
            replaceContent(id, body);
            send(ex, 200, JSON.createObjectNode().put("id", id));
        } else {
            error(ex, 404, "notFound", "no such endpoint " + method + " " + path);
        }
    }

    private void changes(HttpExchange ex, Map<String, String> q) throws IOException {
        changeLists.incrementAndGet();
        int asked = Integer.parseInt(q.getOrDefault("pageSize", "100"));
        if (asked < 1 || asked > 1000) {
            error(ex, 400, "invalid", "Invalid value for pageSize: " + asked + " (1 to 1000)");
            return;
        }
        int from;
        try {
            from = Integer.parseInt(q.getOrDefault("pageToken", ""));
        } catch (NumberFormatException e) {
            from = -1;
        }
        ObjectNode out = JSON.createObjectNode().put("kind", "drive#changeList");
        synchronized (this) {
            if (from < 1 || from > changes.size() + 1) {
                error(ex, 400, "invalid", "Invalid Value");
                return;
            }
            int size = Math.min(pageLimit, Integer.parseInt(q.getOrDefault("pageSize", "100")));
            ArrayNode arr = out.putArray("changes");
            int end = Math.min(changes.size(), from - 1 + size);
            for (int i = from - 1; i < end; i++) {
                Change c = changes.get(i);
                ObjectNode o = arr.addObject().put("kind", "drive#change").put("changeType", "file").put("fileId", c.fileId()).put("removed", c.file() == null);
                if (c.file() != null) {
                    ObjectNode f = o.putObject("file").put("id", c.file().id()).put("name", c.file().name()).put("mimeType", c.file().mimeType())
                            .put("trashed", false);
                    f.putArray("parents").add(c.file().parent());
                }
            }
            if (end < changes.size()) {
                out.put("nextPageToken", String.valueOf(end + 1));
            } else {
                out.put("newStartPageToken", String.valueOf(changes.size() + 1));
            }
        }
        send(ex, 200, out);
    }

    private void list(HttpExchange ex, Map<String, String> q) throws IOException {
        String query = q.getOrDefault("q", "");
        Matcher parent = PARENT.matcher(query);
        Matcher name = NAME.matcher(query);
        Matcher mime = MIME.matcher(query);
        fileLists.incrementAndGet();
        String p = parent.find() ? alias(parent.group(1)) : null;
        String n = name.find() ? name.group(1).replace("\\'", "'").replace("\\\\", "\\") : null;
        String m = mime.find() ? mime.group(1) : null;
        List<DriveFile> matching = new ArrayList<>();
        synchronized (this) {
            for (DriveFile f : files.values()) {
                if ((p == null || p.equals(f.parent())) && (n == null || n.equals(f.name())) && (m == null || m.equals(f.mimeType()))) {
                    matching.add(f);
                }
            }
        }
        int from = q.containsKey("pageToken") ? Integer.parseInt(q.get("pageToken")) : 0;
        int size = Math.min(pageLimit, Integer.parseInt(q.getOrDefault("pageSize", "100")));
        ObjectNode out = JSON.createObjectNode();
        ArrayNode arr = out.putArray("files");
        for (int i = from; i < Math.min(matching.size(), from + size); i++) {
            DriveFile f = matching.get(i);
            arr.addObject().put("id", f.id()).put("name", f.name()).put("mimeType", f.mimeType());
        }
        if (from + size < matching.size()) {
            out.put("nextPageToken", String.valueOf(from + size));
            pagedLists.incrementAndGet();
        }
        send(ex, 200, out);
    }

    private void multipart(HttpExchange ex, byte[] body) throws IOException {
        String type = ex.getRequestHeaders().getFirst("Content-Type");
        if (type == null || !type.startsWith("multipart/related; boundary=")) {
            error(ex, 400, "badContent", "multipart upload needs Content-Type multipart/related with a boundary");
            return;
        }
        byte[] boundary = ("--" + type.substring("multipart/related; boundary=".length())).getBytes(StandardCharsets.UTF_8);
        List<byte[]> parts = split(body, boundary);
        if (parts.size() != 2) {
            error(ex, 400, "badContent", "multipart upload needs a metadata part and a media part, got " + parts.size());
            return;
        }
        JsonNode meta = JSON.readTree(payload(parts.get(0)));
        DriveFile f = create(meta, payload(parts.get(1)));
        multipartUploads.incrementAndGet();
        send(ex, 200, JSON.createObjectNode().put("id", f.id()));
    }

    private void resumableChunk(HttpExchange ex, String session, byte[] body) throws IOException {
        ByteArrayOutputStream held = sessionBytes.get(session);
        String range = ex.getRequestHeaders().getFirst("Content-Range");
        Matcher r = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+)").matcher(range == null ? "" : range);
        if (held == null || !r.matches()) {
            error(ex, 400, "badRequest", "unknown upload session or Content-Range");
            return;
        }
        long start = Long.parseLong(r.group(1));
        long total = Long.parseLong(r.group(3));
        synchronized (held) {
            if (start != held.size()) {
                error(ex, 400, "badRequest", "chunk starts at " + start + " but " + held.size() + " bytes are held");
                return;
            }
            held.writeBytes(body);
            if (held.size() < total) {
                ex.getResponseHeaders().add("Range", "bytes=0-" + (held.size() - 1));
                ex.sendResponseHeaders(308, -1);
                return;
            }
        }
        DriveFile f = create(sessions.remove(session), sessionBytes.remove(session).toByteArray());
        resumableUploads.incrementAndGet();
        send(ex, 200, JSON.createObjectNode().put("id", f.id()));
    }

    private void truncated(HttpExchange ex, String path, boolean consistent) throws IOException {
        DriveFile f = file(path.substring("/drive/v3/files/".length()));
        byte[] content = f == null ? new byte[0] : f.content();
        ex.sendResponseHeaders(200, consistent ? content.length / 2 : content.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(content, 0, content.length / 2);
        }
    }

    private synchronized DriveFile create(JsonNode meta, byte[] content) {
        String id = "f" + ids.incrementAndGet();
        String parent = alias(meta.path("parents").path(0).asText("root"));
        DriveFile f = new DriveFile(id, meta.path("name").asText(), meta.path("mimeType").asText("application/octet-stream"), parent, content);
        files.put(id, f);
        changes.add(new Change(id, f));
        return f;
    }

    /** Drive's folder aliases to the ids files report as their parent. */
    private static String alias(String id) {
        return switch (id) {
            case "appDataFolder" -> APPDATA_ID;
            case "root" -> MYDRIVE_ID;
            default -> id;
        };
    }

    private synchronized DriveFile file(String id) {
        return files.get(id);
    }

    private static List<byte[]> split(byte[] body, byte[] boundary) {
        List<byte[]> parts = new ArrayList<>();
        int at = indexOf(body, boundary, 0);
        while (at >= 0) {
            int next = indexOf(body, boundary, at + boundary.length);
            if (next < 0) {
                break;
            }
            parts.add(java.util.Arrays.copyOfRange(body, at + boundary.length + 2, next - 2));
            at = next;
        }
        return parts;
    }

    /** A part's bytes after its headers. */
    private static byte[] payload(byte[] part) {
        int at = indexOf(part, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII), 0);
        return java.util.Arrays.copyOfRange(part, at + 4, part.length);
    }

    private static int indexOf(byte[] hay, byte[] needle, int from) {
        outer:
        for (int i = from; i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    static Map<String, String> query(String raw) {
        Map<String, String> out = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.putIfAbsent(k, v);
        }
        return out;
    }

    static void error(HttpExchange ex, int status, String reason, String message) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode e = root.putObject("error");
        e.put("code", status).put("message", message);
        e.putArray("errors").addObject().put("domain", status == 403 || status == 429 ? "usageLimits" : "global").put("reason", reason)
                .put("message", message);
        raw(ex, status, JSON.writeValueAsBytes(root));
    }

    static void send(HttpExchange ex, int status, JsonNode body) throws IOException {
        raw(ex, status, JSON.writeValueAsBytes(body));
    }

    static void raw(HttpExchange ex, int status, byte[] body) throws IOException {
        ex.getResponseHeaders().add("Content-Type", "application/json; charset=UTF-8");
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
