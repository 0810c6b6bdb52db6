package io.rhizome.backup.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.rhizome.fuzz.Contract;
import io.rhizome.fuzz.Target;

/**
 * The files of a backup, read back from a folder (a USB stick, a synced folder) at restore and at
 * every incremental backup. The first input byte picks: 0, the bytes as a snapshot's manifest file
 * ({@link ManifestCodec#decode}: magic, key check, plain header, sealed box); 1, the bytes as the
 * manifest's body once its seal opened, sealed here under the right key behind a valid header (the
 * words are the user's own, but the JSON inside is still parsed); 2, the plain header alone
 * ({@link ManifestCodec#previousOf}, read without the words); 3, the bytes as a chunk file listed in
 * the manifest with their own size and hash ({@link ChunkCodec#open}). Documented error:
 * {@link BackupRefusedException}. A manifest accepted must encode and decode to an equal manifest.
 */
public final class BackupFileFuzz implements Target {

    private static final Contract CONTRACT = Contract.typed(BackupRefusedException.class);
    private static final String SNAPSHOT = "20260102T030405Z-abcd";
    private static final BackupKeys KEYS;
    private static final byte[] AAD;

    static {
        byte[] recovery = new byte[32];
        Arrays.fill(recovery, (byte) 9);
        KEYS = BackupKeys.fromRecoveryKey(recovery);
        byte[] file = ManifestCodec.encode(manifest(Optional.empty()), KEYS);
        int headerLength = ByteBuffer.wrap(file, 8 + 16, 4).getInt();
        AAD = Arrays.copyOf(file, 8 + 16 + 4 + headerLength);
    }

    public static void fuzzerTestOneInput(byte[] input) {
        if (input.length == 0) {
            return;
        }
        byte[] bytes = Arrays.copyOfRange(input, 1, input.length);
        switch ((input[0] & 0xFF) % 4) {
            case 0 -> decodes(bytes, bytes);
            case 1 -> decodes(bytes, sealedBody(bytes));
            case 2 -> CONTRACT.check(bytes, () -> ManifestCodec.previousOf(SNAPSHOT, bytes));
            default -> CONTRACT.check(bytes, () -> ChunkCodec.open(KEYS, SNAPSHOT, 0,
                    new Manifest.ChunkRef(bytes.length, ChunkCodec.sha256(bytes)), bytes));
        }
    }

    private static void decodes(byte[] input, byte[] file) {
        Manifest[] m = new Manifest[1];
        if (CONTRACT.check(input, () -> m[0] = ManifestCodec.decode(SNAPSHOT, file, KEYS))) {
            try {
                Manifest again = ManifestCodec.decode(SNAPSHOT, ManifestCodec.encode(m[0], KEYS), KEYS);
                if (!again.equals(m[0])) {
                    throw new Contract.Violation("an accepted manifest decodes to another after encoding: " + m[0] + " / " + again);
                }
            } catch (BackupRefusedException e) {
                throw new Contract.Violation("an accepted manifest does not decode after encoding: " + e.getMessage());
            }
        }
    }

    /** A manifest file whose sealed body is {@code body}, behind the header and key check of a real one. */
    private static byte[] sealedBody(byte[] body) {
        byte[] box = Aead.seal(KEYS.manifestKey(), AAD, body);
        return ByteBuffer.allocate(AAD.length + 4 + box.length).put(AAD).putInt(box.length).put(box).array();
    }

    private static Manifest manifest(Optional<String> previous) {
        return new Manifest(Manifest.FORMAT, SNAPSHOT, previous, 1_767_323_045_000L, previous.isPresent() ? Map.of("notes/dev-a", 3L) : Map.of(),
                Map.of("notes/dev-a", 5L, "prefs/dev-b", 1L), 12, List.of(new Manifest.ChunkRef(4096, "00".repeat(32)), new Manifest.ChunkRef(77, "ab".repeat(32))));
    }

    @Override
    public List<byte[]> seeds() {
        byte[] full = ManifestCodec.encode(manifest(Optional.empty()), KEYS);
        byte[] incremental = ManifestCodec.encode(manifest(Optional.of("20260101T030405Z-0123")), KEYS);
        byte[] body = ("{\"format\":1,\"snapshot\":\"" + SNAPSHOT + "\",\"previous\":\"20260101T030405Z-0123\",\"created\":1767323045000,"
                + "\"base\":{\"notes/dev-a\":3},\"versions\":{\"notes/dev-a\":5},\"records\":12,"
                + "\"chunks\":[{\"size\":4096,\"sha256\":\"" + "00".repeat(32) + "\"}]}").getBytes(StandardCharsets.UTF_8);
        byte[] chunk = ChunkCodec.seal(KEYS, SNAPSHOT, 0, "compressed records".getBytes(StandardCharsets.UTF_8));
        return List.of(prefixed(0, full), prefixed(0, incremental), prefixed(1, body), prefixed(2, incremental), prefixed(3, chunk));
    }


    private static byte[] prefixed(int selector, byte[] bytes) {
        byte[] out = new byte[bytes.length + 1];
        out[0] = (byte) selector;
        System.arraycopy(bytes, 0, out, 1, bytes.length);
        return out;
    }
}
