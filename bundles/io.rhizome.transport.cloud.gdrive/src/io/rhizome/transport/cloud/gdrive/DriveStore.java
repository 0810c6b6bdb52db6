package io.rhizome.transport.cloud.gdrive;

import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rhizome.transport.cloud.CloudStore;

/**
 * A {@link CloudStore} in Google Drive (REST v3, JDK {@code HttpClient} + Jackson; Google's Java
 * client is not published as OSGi bundles). Drive has no paths, only parents, so the store keeps a
 * {@link DriveIndex} of its tree under the root (the app's hidden {@code appDataFolder}, or a
 * folder of that name in My Drive). The index is built once by listing the tree with
 * {@code files.list} (paged by {@code pageToken}) after taking a {@code changes.getStartPageToken}
 * — in that order, so no change between the two is missed — and from then on every
 * {@link #beginRound()} costs one {@code changes.list} from the saved page token instead of one
 * listing per folder. The token and the index are kept in {@link DriveState} so that a restart
 * continues from the token. Files up to {@code resumableAbove} bytes are uploaded in one
 * multipart request, larger ones through a resumable session in chunks; the manifest is replaced
 * by updating its content (a new revision: readers see the old or the new whole).
 *
 * <p><b>Threading:</b> the methods are synchronized (the exchange calls from one thread anyway).
 */
public final class DriveStore implements CloudStore {

    static final String FOLDER_MIME = "application/vnd.google-apps.folder";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger LOG = LoggerFactory.getLogger(DriveStore.class);
    private static final String CHANGE_FIELDS = "nextPageToken,newStartPageToken,changes(fileId,removed,file(id,name,mimeType,parents,trashed))";

    private final URI api;
    private final DriveHttp http;
    private final String root;
    private final long resumableAbove;
    private final int chunkBytes;
    private final DriveState state;
    private final DriveIndex index = new DriveIndex();
    private String rootId;
    private String pageToken;
    private boolean dirty;

    /**
     * @param api            {@code https://www.googleapis.com} (or a test server)
     * @param root           {@code appDataFolder}, or the name of a folder in My Drive
     * @param resumableAbove files larger than this go through a resumable upload
     * @param chunkBytes     the resumable upload's chunk size (a multiple of 256 KiB, as Drive asks)
     */
    public DriveStore(HttpClient client, URI api, AccessTokens tokens, String root, long resumableAbove, int chunkBytes) {
        this(client, api, tokens, root, resumableAbove, chunkBytes, DriveHttp.Retry.DEFAULTS, DriveState.NONE);
    }

    /** As above, keeping the Changes-API token and the index in {@code state}. */
    public DriveStore(HttpClient client, URI api, AccessTokens tokens, String root, long resumableAbove, int chunkBytes, DriveState state) {
        this(client, api, tokens, root, resumableAbove, chunkBytes, DriveHttp.Retry.DEFAULTS, state);
    }

    DriveStore(HttpClient client, URI api, AccessTokens tokens, String root, long resumableAbove, int chunkBytes, DriveHttp.Retry retry,
            DriveState state) {
        this.api = api;
        this.http = new DriveHttp(client, tokens, retry);
        this.root = root;
        this.resumableAbove = resumableAbove;
        this.chunkBytes = chunkBytes;
        this.state = state;
    }

    /** With quick retries, for tests against a local fake. */
    public static DriveStore forTests(HttpClient client, URI api, AccessTokens tokens, String root, long resumableAbove, int chunkBytes) {
        return forTests(client, api, tokens, root, resumableAbove, chunkBytes, DriveState.NONE);
    }

    /** With quick retries and a state, for tests against a local fake. */
    public static DriveStore forTests(HttpClient client, URI api, AccessTokens tokens, String root, long resumableAbove, int chunkBytes,
            DriveState state) {
        return new DriveStore(client, api, tokens, root, resumableAbove, chunkBytes, quickRetries(), state);
    }

    static DriveHttp.Retry quickRetries() {
        return new DriveHttp.Retry(7, java.time.Duration.ofMillis(5), java.time.Duration.ofMillis(200), java.time.Duration.ofSeconds(2));
    }

    /** Requests sent to Drive so far (every attempt), for measurements. */
    public long requests() {
        return http.requests();
    }

    @Override
    public synchronized void beginRound() throws IOException {
        if (pageToken == null) {
            load();
        }
        if (pageToken == null) {
            rebuild();
        } else {
            try {
                pollChanges();
            } catch (DriveException e) {
                if (e.status() != 400 && e.status() != 404) {
                    throw e;
                }
                // Drive says to discard a rejected page token and start over.
                LOG.info("gdrive: the changes page token was refused ({}); listing {} again", e.reason(), describe());
                rebuild();
            }
        }
        if (dirty) {
            state.save(index.encode(root, rootId, pageToken));
            dirty = false;
        }
    }

    @Override
    public synchronized Listing list(String folder) throws IOException {
        ensureIndexed();
        Optional<String> id = folderId(folder, false);
        if (id.isEmpty()) {
            return Listing.EMPTY;
        }
        return new Listing(Set.copyOf(index.files(id.get()).keySet()), Set.of(), Map.of());
    }

    @Override
    public synchronized byte[] read(String folder, String name) throws IOException {
        ensureIndexed();
        String id = fileId(folder, name).orElseThrow(() -> new FileNotFoundException(folder + "/" + name + " is not in Google Drive"));
        try {
            return http.send("downloading " + name, () -> HttpRequest.newBuilder(api.resolve("/drive/v3/files/" + id + "?alt=media")).GET()).body();
        } catch (DriveException e) {
            if (e.status() == 404) {
                forget(id);
                throw new FileNotFoundException(folder + "/" + name + " is gone from Google Drive");
            }
            throw e;
        }
    }

    @Override
    public synchronized void write(String folder, String name, byte[] bytes) throws IOException {
        ensureIndexed();
        String parent = folderId(folder, true).orElseThrow();
        Optional<String> existing = index.child(parent, name, false);
        if (existing.isPresent()) {
            try {
                http.send("replacing " + name, () -> HttpRequest.newBuilder(api.resolve("/upload/drive/v3/files/" + existing.get() + "?uploadType=media"))
                        .header("Content-Type", "application/octet-stream").method("PATCH", HttpRequest.BodyPublishers.ofByteArray(bytes)));
                return;
            } catch (DriveException e) {
                if (e.status() != 404) {
                    throw e;
                }
                // Deleted elsewhere since the last round: make it anew.
                forget(existing.get());
            }
        }
        ObjectNode meta = JSON.createObjectNode().put("name", name);
        meta.putArray("parents").add(parent);
        String id = bytes.length > resumableAbove ? resumable(name, meta, bytes) : multipart(name, meta, bytes);
        index.put(id, new DriveIndex.Entry(parent, name, false));
        dirty = true;
    }

    @Override
    public synchronized void delete(String folder, String name) throws IOException {
        ensureIndexed();
        Optional<String> id = fileId(folder, name);
        if (id.isEmpty()) {
            return;
        }
        try {
            http.send("deleting " + name, () -> HttpRequest.newBuilder(api.resolve("/drive/v3/files/" + id.get())).DELETE());
        } catch (DriveException e) {
            if (e.status() != 404) {
                throw e;
            }
        }
        forget(id.get());
    }

    @Override
    public String describe() {
        return "Google Drive " + (root.equals("appDataFolder") ? "app data" : "folder '" + root + "'");
    }

    private void ensureIndexed() throws IOException {
        if (pageToken == null) {
            beginRound();
        }
    }

    /** Start token first, then the listing: a change made while listing is in the next {@code changes.list}. */
    private void rebuild() throws IOException {
        index.clear();
        String token = json(http.send("asking for the changes start token", () -> HttpRequest.newBuilder(
                api.resolve("/drive/v3/changes/startPageToken?fields=startPageToken")).GET())).path("startPageToken").asText(null);
        if (token == null) {
            throw new DriveException(200, "noStartPageToken", "Google Drive gave no changes start token; the next round tries again");
        }
        rootId = resolveRoot();
        java.util.ArrayDeque<String> folders = new java.util.ArrayDeque<>(List.of(rootId));
        for (int n = 0; !folders.isEmpty() && n < 1_000_000; n++) {
            String parent = folders.removeFirst();
            for (JsonNode f : listChildren(parent)) {
                boolean folder = FOLDER_MIME.equals(f.path("mimeType").asText());
                index.put(f.path("id").asText(), new DriveIndex.Entry(parent, f.path("name").asText(), folder));
                if (folder) {
                    folders.addLast(f.path("id").asText());
                }
            }
        }
        pageToken = token;
        dirty = true;
    }

    /** Applies every change since the page token, page by page, and keeps the new start token. */
    private void pollChanges() throws IOException {
        String token = pageToken;
        for (int page = 0; page < 100_000; page++) {
            String t = token;
            JsonNode body = json(http.send("listing changes", () -> HttpRequest.newBuilder(api.resolve("/drive/v3/changes?pageToken=" + enc(t)
                    + "&pageSize=1000&includeRemoved=true&fields=" + enc(CHANGE_FIELDS) + spacesParam())).GET()));
            for (JsonNode c : body.path("changes")) {
                JsonNode f = c.path("file");
                String id = c.path("fileId").asText(f.path("id").asText());
                if (c.path("removed").asBoolean(false) || f.path("trashed").asBoolean(false)) {
                    index.remove(id);
                } else if (f.path("parents").isArray() && !f.path("parents").isEmpty()) {
                    index.put(id, new DriveIndex.Entry(f.path("parents").get(0).asText(), f.path("name").asText(),
                            FOLDER_MIME.equals(f.path("mimeType").asText())));
                }
                dirty = true;
            }
            if (body.path("newStartPageToken").isTextual()) {
                dirty |= !body.get("newStartPageToken").asText().equals(pageToken);
                pageToken = body.get("newStartPageToken").asText();
                return;
            }
            if (!body.path("nextPageToken").isTextual()) {
                throw new DriveException(200, "noPageToken", "Google Drive's change list ended without a new start token; the next round tries again");
            }
            token = body.get("nextPageToken").asText();
        }
    }

    private List<JsonNode> listChildren(String parent) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        String next = null;
        for (int page = 0; page < 100_000; page++) {
            String q = "'" + parent + "' in parents and trashed = false";
            String url = "/drive/v3/files?q=" + enc(q) + "&fields=" + enc("nextPageToken,files(id,name,mimeType)") + "&pageSize=1000" + spacesParam()
                    + (next == null ? "" : "&pageToken=" + enc(next));
            JsonNode body = json(http.send("listing a folder", () -> HttpRequest.newBuilder(api.resolve(url)).GET()));
            body.path("files").forEach(out::add);
            next = body.path("nextPageToken").isTextual() ? body.get("nextPageToken").asText() : null;
            if (next == null) {
                break;
            }
        }
        return out;
    }

    private void load() throws IOException {
        Optional<byte[]> saved = state.load();
        if (saved.isEmpty()) {
            return;
        }
        Optional<DriveIndex.Saved> s = DriveIndex.decode(saved.get(), root, index);
        if (s.isEmpty()) {
            LOG.warn("gdrive: the saved changes token of {} is not usable; listing once", describe());
            return;
        }
        rootId = s.get().rootId();
        pageToken = s.get().pageToken();
    }

    private String multipart(String name, ObjectNode meta, byte[] bytes) throws IOException {
        String boundary = "rz" + UUID.randomUUID().toString().replace("-", "");
        ByteArrayOutputStream body = new ByteArrayOutputStream(bytes.length + 512);
        body.writeBytes(("--" + boundary + "\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(JSON.writeValueAsBytes(meta));
        body.writeBytes(("\r\n--" + boundary + "\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(bytes);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        byte[] all = body.toByteArray();
        HttpResponse<byte[]> r = http.send("uploading " + name, () -> HttpRequest.newBuilder(api.resolve("/upload/drive/v3/files?uploadType=multipart&fields=id"))
                .header("Content-Type", "multipart/related; boundary=" + boundary).POST(HttpRequest.BodyPublishers.ofByteArray(all)));
        return json(r).path("id").asText();
    }

    private String resumable(String name, ObjectNode meta, byte[] bytes) throws IOException {
        byte[] metaBytes = JSON.writeValueAsBytes(meta);
        HttpResponse<byte[]> start = http.send("starting the upload of " + name,
                () -> HttpRequest.newBuilder(api.resolve("/upload/drive/v3/files?uploadType=resumable&fields=id"))
                        .header("Content-Type", "application/json; charset=UTF-8").header("X-Upload-Content-Type", "application/octet-stream")
                        .header("X-Upload-Content-Length", String.valueOf(bytes.length)).POST(HttpRequest.BodyPublishers.ofByteArray(metaBytes)));
        URI session = URI.create(start.headers().firstValue("Location")
                .orElseThrow(() -> new DriveException(start.statusCode(), "noSession", "Google Drive started no upload session for " + name)));
        long from = 0;
        for (int chunk = 0; chunk < 1_000_000; chunk++) {
            long end = Math.min(bytes.length, from + chunkBytes);
            long f = from;
            byte[] part = Arrays.copyOfRange(bytes, (int) from, (int) end);
            HttpResponse<byte[]> r = http.send("uploading " + name + " at byte " + from, () -> HttpRequest.newBuilder(session)
                    .header("Content-Range", "bytes " + f + "-" + (end - 1) + "/" + bytes.length).PUT(HttpRequest.BodyPublishers.ofByteArray(part)));
            if (r.statusCode() != 308) {
                return json(r).path("id").asText();
            }
            // 308: Drive says how much it holds; continue from there (it may hold less than was sent).
            from = r.headers().firstValue("Range").map(v -> Long.parseLong(v.substring(v.indexOf('-') + 1)) + 1).orElse(0L);
        }
        throw new DriveException(308, "uploadIncomplete", "the upload of " + name + " did not finish; the next round tries again");
    }

    private Optional<String> fileId(String folder, String name) throws IOException {
        Optional<String> parent = folderId(folder, false);
        return parent.isEmpty() ? Optional.empty() : index.child(parent.get(), name, false);
    }

    private void forget(String id) {
        index.remove(id);
        dirty = true;
    }

    /** The id of {@code path} ({@code a} or {@code a/b}) under the root, from the index; made if {@code create}. */
    private Optional<String> folderId(String path, boolean create) throws IOException {
        String id = rootId;
        for (String part : path.split("/")) {
            Optional<String> found = index.child(id, part, true);
            if (found.isEmpty()) {
                if (!create) {
                    return Optional.empty();
                }
                String made = makeFolder(id, part);
                index.put(made, new DriveIndex.Entry(id, part, true));
                dirty = true;
                found = Optional.of(made);
            }
            id = found.get();
        }
        return Optional.of(id);
    }

    /** The real id of the root: Drive reports parents by id, never by the {@code appDataFolder} or {@code root} alias. */
    private String resolveRoot() throws IOException {
        String alias = root.equals("appDataFolder") ? "appDataFolder" : child("root", root).orElse(null);
        if (alias == null) {
            alias = makeFolder("root", root);
        }
        String a = alias;
        return json(http.send("finding the root folder", () -> HttpRequest.newBuilder(api.resolve("/drive/v3/files/" + a + "?fields=id")).GET()))
                .path("id").asText(a);
    }

    private Optional<String> child(String parent, String name) throws IOException {
        String q = "name = '" + name.replace("\\", "\\\\").replace("'", "\\'") + "' and '" + parent + "' in parents and mimeType = '" + FOLDER_MIME
                + "' and trashed = false";
        String url = "/drive/v3/files?q=" + enc(q) + "&fields=" + enc("files(id,name)") + spacesParam();
        JsonNode files = json(http.send("finding the folder " + name, () -> HttpRequest.newBuilder(api.resolve(url)).GET())).path("files");
        return files.isEmpty() ? Optional.empty() : Optional.of(files.get(0).path("id").asText());
    }

    private String makeFolder(String parent, String name) throws IOException {
        ObjectNode meta = JSON.createObjectNode().put("name", name).put("mimeType", FOLDER_MIME);
        meta.putArray("parents").add(parent);
        byte[] body = JSON.writeValueAsBytes(meta);
        return json(http.send("making the folder " + name, () -> HttpRequest.newBuilder(api.resolve("/drive/v3/files?fields=id"))
                .header("Content-Type", "application/json; charset=UTF-8").POST(HttpRequest.BodyPublishers.ofByteArray(body)))).path("id").asText();
    }

    private String spacesParam() {
        return root.equals("appDataFolder") ? "&spaces=appDataFolder" : "&spaces=drive";
    }

    private static JsonNode json(HttpResponse<byte[]> r) throws IOException {
        return JSON.readTree(r.body().length == 0 ? "{}".getBytes(StandardCharsets.UTF_8) : r.body());
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
