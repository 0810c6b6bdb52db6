package io.rhizome.backup.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.crypto.AEADBadTagException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The manifest file: {@code RZBKMAN1}, the 16-byte key check, a length-prefixed plain header (format,
 * snapshot, previous, created: what a listing shows without the words) and a length-prefixed AES-GCM
 * box of the whole manifest whose associated data is everything before it. The box authenticates the
 * manifest under a key only the 24 words give (it is a MAC, not a public-key signature: whoever can
 * check it could also have written it, which for a user's own backup is the same person). Stream
 * names, versions and chunk hashes are inside the box, so the folder shows no namespace name.
 */
public final class ManifestCodec {

    private static final byte[] MAGIC = "RZBKMAN1".getBytes(StandardCharsets.US_ASCII);
    private static final int CHECK = 16;
    private static final ObjectMapper JSON = new ObjectMapper();

    private ManifestCodec() {
    }

    public static byte[] encode(Manifest m, BackupKeys keys) {
        ObjectNode header = JSON.createObjectNode();
        header.put("format", m.format());
        header.put("snapshot", m.snapshot());
        m.previous().ifPresent(p -> header.put("previous", p));
        header.put("created", m.created());
        ObjectNode body = header.deepCopy();
        body.set("base", JSON.valueToTree(m.base()));
        body.set("versions", JSON.valueToTree(m.versions()));
        body.put("records", m.records());
        var chunks = body.putArray("chunks");
        for (Manifest.ChunkRef c : m.chunks()) {
            chunks.addObject().put("size", c.size()).put("sha256", c.sha256());
        }
        try {
            byte[] headerBytes = JSON.writeValueAsBytes(header);
            ByteArrayOutputStream prefix = new ByteArrayOutputStream();
            prefix.write(MAGIC);
            prefix.write(keys.check());
            prefix.write(ByteBuffer.allocate(4).putInt(headerBytes.length).array());
            prefix.write(headerBytes);
            byte[] aad = prefix.toByteArray();
            byte[] box = Aead.seal(keys.manifestKey(), aad, JSON.writeValueAsBytes(body));
            prefix.write(ByteBuffer.allocate(4).putInt(box.length).array());
            prefix.write(box);
            return prefix.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("writing JSON to memory cannot fail", e);
        }
    }

    /** The plain header's snapshot id and previous id, readable without the words. */
    public static Optional<String> previousOf(String snapshot, byte[] file) throws BackupRefusedException {
        JsonNode header = header(snapshot, file);
        return Optional.ofNullable(header.path("previous").textValue());
    }

    public static Manifest decode(String snapshot, byte[] file, BackupKeys keys) throws BackupRefusedException {
        header(snapshot, file);
        byte[] check = Arrays.copyOfRange(file, MAGIC.length, MAGIC.length + CHECK);
        if (!keys.checks(check)) {
            throw new BackupRefusedException("these recovery words do not open snapshot " + snapshot
                    + " (its key check differs); type the 24 words of the device that made the backup");
        }
        int headerLength = ByteBuffer.wrap(file, MAGIC.length + CHECK, 4).getInt();
        int boxAt = MAGIC.length + CHECK + 4 + headerLength;
        if (file.length < boxAt + 4) {
            throw truncated(snapshot, file.length, boxAt + 4);
        }
        int boxLength = ByteBuffer.wrap(file, boxAt, 4).getInt();
        if (boxLength < 0 || file.length - boxAt - 4 < boxLength) {
            throw truncated(snapshot, file.length, boxAt + 4 + (long) boxLength);
        }
        if (file.length != boxAt + 4 + boxLength) {
            throw new BackupRefusedException("the manifest of snapshot " + snapshot + " has "
                    + (file.length - boxAt - 4 - boxLength) + " bytes after its end; it is damaged");
        }
        byte[] plain;
        try {
            plain = Aead.open(keys.manifestKey(), Arrays.copyOf(file, boxAt),
                    Arrays.copyOfRange(file, boxAt + 4, file.length), 0);
        } catch (AEADBadTagException e) {
            throw new BackupRefusedException("the manifest of snapshot " + snapshot
                    + " is damaged: its seal does not verify", e);
        }
        try {
            JsonNode body = JSON.readTree(plain);
            if (body.path("format").intValue() != Manifest.FORMAT) {
                throw new BackupRefusedException("the manifest of snapshot " + snapshot + " says format "
                        + body.path("format") + " inside and " + Manifest.FORMAT + " in its header; it is damaged");
            }
            if (!snapshot.equals(body.path("snapshot").textValue())) {
                throw new BackupRefusedException("the manifest stored as snapshot " + snapshot
                        + " belongs to snapshot " + body.path("snapshot").textValue());
            }
            List<Manifest.ChunkRef> chunks = new ArrayList<>();
            for (JsonNode c : body.path("chunks")) {
                chunks.add(new Manifest.ChunkRef(c.path("size").intValue(), c.path("sha256").textValue()));
            }
            return new Manifest(body.path("format").intValue(), snapshot,
                    Optional.ofNullable(body.path("previous").textValue()), body.path("created").longValue(),
                    versions(body.path("base")), versions(body.path("versions")), body.path("records").longValue(),
                    chunks);
        } catch (IOException e) {
            throw new BackupRefusedException("the manifest of snapshot " + snapshot + " is not readable JSON", e);
        }
    }

    private static JsonNode header(String snapshot, byte[] file) throws BackupRefusedException {
        int fixed = MAGIC.length + CHECK + 4;
        if (file.length < fixed) {
            throw truncated(snapshot, file.length, fixed);
        }
        if (!Arrays.equals(MAGIC, Arrays.copyOf(file, MAGIC.length))) {
            throw new BackupRefusedException("snapshot " + snapshot + " has no Rhizome backup manifest"
                    + " (its first bytes are not RZBKMAN1)");
        }
        int headerLength = ByteBuffer.wrap(file, MAGIC.length + CHECK, 4).getInt();
        if (headerLength < 0 || file.length - fixed < headerLength) {
            throw truncated(snapshot, file.length, fixed + (long) headerLength);
        }
        JsonNode header;
        try {
            header = JSON.readTree(Arrays.copyOfRange(file, fixed, fixed + headerLength));
        } catch (IOException e) {
            throw new BackupRefusedException("the manifest header of snapshot " + snapshot + " is damaged", e);
        }
        int format = header.path("format").intValue();
        if (format != Manifest.FORMAT) {
            throw new BackupRefusedException("snapshot " + snapshot + " has backup format " + format
                    + "; this version reads format " + Manifest.FORMAT);
        }
        return header;
    }

    private static Map<String, Long> versions(JsonNode node) {
        Map<String, Long> out = new LinkedHashMap<>();
        node.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().longValue()));
        return out;
    }

    private static BackupRefusedException truncated(String snapshot, long have, long need) {
        return new BackupRefusedException("the manifest of snapshot " + snapshot + " is truncated: "
                + have + " bytes where at least " + need + " are needed");
    }
}
