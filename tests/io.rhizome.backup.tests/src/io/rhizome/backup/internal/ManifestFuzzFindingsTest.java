package io.rhizome.backup.internal;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

/**
 * Manifest files the backup-file fuzz target (tests/fuzz) found or that its findings led to, each
 * refused with {@link BackupRefusedException} now; the same inputs are in
 * tests/fuzz/regressions/backup-file/.
 */
class ManifestFuzzFindingsTest {

    private static final String SNAPSHOT = "20260102T030405Z-abcd";

    private static BackupKeys keys() {
        byte[] recovery = new byte[32];
        Arrays.fill(recovery, (byte) 9);
        return BackupKeys.fromRecoveryKey(recovery);
    }

    /** header-length-overflows: a header length near 2^31 wrapped the bound check and Arrays.copyOfRange threw. */
    @Test
    void aHeaderLengthPastTheFileIsTruncationNotACrash() {
        byte[] file = ByteBuffer.allocate(8 + 16 + 4 + 2).put("RZBKMAN1".getBytes(StandardCharsets.US_ASCII)).put(new byte[16])
                .putInt(0x7FFFFFF0).put("{}".getBytes(StandardCharsets.US_ASCII)).array();
        BackupRefusedException e = assertThrows(BackupRefusedException.class, () -> ManifestCodec.decode(SNAPSHOT, file, keys()));
        assertTrue(e.getMessage().contains("is truncated"), e.getMessage());
        e = assertThrows(BackupRefusedException.class, () -> ManifestCodec.previousOf(SNAPSHOT, file));
        assertTrue(e.getMessage().contains("is truncated"), e.getMessage());
    }

    /**
     * body-format-differs-from-header: a sealed body without format 1 was accepted as a manifest of
     * format 0, which then did not decode after encoding (the header takes the body's format).
     */
    @Test
    void aBodyOfAnotherFormatThanItsHeaderIsDamaged() {
        BackupKeys keys = keys();
        byte[] real = ManifestCodec.encode(new Manifest(Manifest.FORMAT, SNAPSHOT, java.util.Optional.empty(), 1L, java.util.Map.of(),
                java.util.Map.of(), 0, java.util.List.of()), keys);
        int headerLength = ByteBuffer.wrap(real, 24, 4).getInt();
        byte[] aad = Arrays.copyOf(real, 28 + headerLength);
        byte[] body = ("{\"snapshot\":\"" + SNAPSHOT + "\",\"created\":1,\"chunks\":[]}").getBytes(StandardCharsets.UTF_8);
        byte[] box = Aead.seal(keys.manifestKey(), aad, body);
        byte[] file = ByteBuffer.allocate(aad.length + 4 + box.length).put(aad).putInt(box.length).put(box).array();
        BackupRefusedException e = assertThrows(BackupRefusedException.class, () -> ManifestCodec.decode(SNAPSHOT, file, keys));
        assertTrue(e.getMessage().contains("says format"), e.getMessage());
    }
}
