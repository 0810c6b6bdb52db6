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
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rhizome.transport.cloud.CloudStore;

/**
 * A {@link CloudStore} in Google Drive (REST v3, JDK {@code HttpClient} + Jackson; Google's Java
 * client is not published as OSGi bundles). Drive has no paths, only parents, so a folder path is
 * resolved level by level to folder ids (kept once known) under the root: the app's hidden
 * {@code appDataFolder}, or a folder of that name in My Drive. Listing pages through
 * {@code files.list} with {@code pageToken}; files up to {@link #resumableAbove} bytes are uploaded
 * in one multipart request, larger ones through a resumable session in chunks; the manifest is
 * replaced by updating its content (a new revision: readers see the old or the new whole).
 */
public final class DriveStore implements CloudStore {

    static final String FOLDER_MIME = "application/vnd.google-apps.folder";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI api;
    private final DriveHttp http;
    private final String root;
    private final long resumableAbove;
    private final int chunkBytes;
    private final Map<String, String> folderIds = new ConcurrentHashMap<>();
    private final Map<String, Map<String, String>> fileIds = new ConcurrentHashMap<>();

    /**
     * @param api            {@code https://www.googleapis.com} (or a test server)
     * @param root           {@code appDataFolder}, or the name of a folder in My Drive
     * @param resumableAbove files larger than this go through a resumable upload
     * @param chunkBytes     the resumable upload's chunk size (a multiple of 256 KiB, as Drive asks)
     */
    public DriveStore(HttpClient client, URI api, AccessTokens tokens, String root, long resumableAbove, int chunkBytes) {
        this(client, api, tokens, root, resumableAbove, chunkBytes, DriveHttp.Retry.DEFAULTS);
    }

    DriveStore(HttpClient client, URI api, AccessTokens tokens, String root, long resumableAbove, int chunkBytes, DriveHttp.Retry retry) {
        this.api = api;
        this.http = new DriveHttp(client, tokens, retry);
        this.root = root;
        this.resumableAbove = resumableAbove;
        this.chunkBytes = chunkBytes;
    }

    /** With quick retries, for tests against a local fake. */
    public static DriveStore forTests(HttpClient client, URI api, AccessTokens tokens, String root, long resumableAbove, int chunkBytes) {
        return new DriveStore(client, api, tokens, root, resumableAbove, chunkBytes,
                new DriveHttp.Retry(7, java.time.Duration.ofMillis(5), java.time.Duration.ofMillis(200), java.time.Duration.ofSeconds(2)));
    }

    @Override
    public Listing list(String folder) throws IOException {
        Optional<String> id = folderId(folder, false);
        if (id.isEmpty()) {
            return Listing.EMPTY;
        }
        Map<String, String> names = new HashMap<>();
        String pageToken = null;
        for (int page = 0; page < 10_000; page++) {
            String q = "'" + id.get() + "' in parents and trashed = false";
            String url = "/drive/v3/files?q=" + enc(q) + "&fields=" + enc("nextPageToken,files(id,name,mimeType)") + "&pageSize=1000" + spaces()
                    + (pageToken == null ? "" : "&pageToken=" + enc(pageToken));
            JsonNode body = json(http.send("listing " + folder, () -> HttpRequest.newBuilder(api.resolve(url)).GET()));
            for (JsonNode f : body.path("files")) {
                if (!FOLDER_MIME.equals(f.path("mimeType").asText())) {
                    names.putIfAbsent(f.path("name").asText(), f.path("id").asText());
                }
            }
            pageToken = body.path("nextPageToken").isTextual() ? body.get("nextPageToken").asText() : null;
            if (pageToken == null) {
                break;
            }
        }
        fileIds.put(folder, new ConcurrentHashMap<>(names));
        return new Listing(Set.copyOf(names.keySet()), Set.of(), Map.of());
    }

    @Override
    public byte[] read(String folder, String name) throws IOException {
        String id = fileId(folder, name).orElseThrow(() -> new FileNotFoundException(folder + "/" + name + " is not in Google Drive"));
        try {
            return http.send("downloading " + name, () -> HttpRequest.newBuilder(api.resolve("/drive/v3/files/" + id + "?alt=media")).GET()).body();
        } catch (DriveException e) {
            if (e.status() == 404) {
                forget(folder, name);
                throw new FileNotFoundException(folder + "/" + name + " is gone from Google Drive");
            }
            throw e;
        }
    }

    @Override
    public void write(String folder, String name, byte[] bytes) throws IOException {
        String parent = folderId(folder, true).orElseThrow();
        // A folder listed before needs no new listing to learn that a new name is new: only this
        // device writes its own folders, and every file it made since is in the map.
        Map<String, String> listed = fileIds.get(folder);
        Optional<String> existing = listed != null ? Optional.ofNullable(listed.get(name)) : fileId(folder, name);
        if (existing.isPresent()) {
            http.send("replacing " + name, () -> HttpRequest.newBuilder(api.resolve("/upload/drive/v3/files/" + existing.get() + "?uploadType=media"))
                    .header("Content-Type", "application/octet-stream").method("PATCH", HttpRequest.BodyPublishers.ofByteArray(bytes)));
            return;
        }
        ObjectNode meta = JSON.createObjectNode().put("name", name);
        meta.putArray("parents").add(parent);
        String id = bytes.length > resumableAbove ? resumable(name, meta, bytes) : multipart(name, meta, bytes);
        fileIds.computeIfAbsent(folder, k -> new ConcurrentHashMap<>()).put(name, id);
    }

    @Override
    public void delete(String folder, String name) throws IOException {
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
        forget(folder, name);
    }

    @Override
    public String describe() {
        return "Google Drive " + (root.equals("appDataFolder") ? "app data" : "folder '" + root + "'");
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
        Map<String, String> known = fileIds.get(folder);
        if (known == null || !known.containsKey(name)) {
            list(folder);
            known = fileIds.get(folder);
        }
        return Optional.ofNullable(known == null ? null : known.get(name));
    }

    private void forget(String folder, String name) {
        Map<String, String> known = fileIds.get(folder);
        if (known != null) {
            known.remove(name);
        }
    }

    /** The id of {@code path} ({@code a} or {@code a/b}) under the root, made if {@code create}. */
    private Optional<String> folderId(String path, boolean create) throws IOException {
        String id = rootId();
        StringBuilder sofar = new StringBuilder();
        for (String part : path.split("/")) {
            sofar.append(sofar.length() == 0 ? "" : "/").append(part);
            String key = sofar.toString();
            String known = folderIds.get(key);
            if (known == null) {
                Optional<String> found = child(id, part);
                if (found.isEmpty()) {
                    if (!create) {
                        return Optional.empty();
                    }
                    found = Optional.of(makeFolder(id, part));
                }
                known = found.get();
                folderIds.put(key, known);
            }
            id = known;
        }
        return Optional.of(id);
    }

    private String rootId() throws IOException {
        if (root.equals("appDataFolder")) {
            return "appDataFolder";
        }
        String known = folderIds.get("");
        if (known == null) {
            known = child("root", root).orElse(null);
            if (known == null) {
                known = makeFolder("root", root);
            }
            folderIds.put("", known);
        }
        return known;
    }

    private Optional<String> child(String parent, String name) throws IOException {
        String q = "name = '" + name.replace("\\", "\\\\").replace("'", "\\'") + "' and '" + parent + "' in parents and mimeType = '" + FOLDER_MIME
                + "' and trashed = false";
        String url = "/drive/v3/files?q=" + enc(q) + "&fields=" + enc("files(id,name)") + spaces();
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

    private String spaces() {
        return root.equals("appDataFolder") ? "&spaces=appDataFolder" : "&spaces=drive";
    }

    private static JsonNode json(HttpResponse<byte[]> r) throws IOException {
        return JSON.readTree(r.body().length == 0 ? "{}".getBytes(StandardCharsets.UTF_8) : r.body());
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
