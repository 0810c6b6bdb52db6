package io.rhizome.transport.cloud;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import io.rhizome.crypto.bc.internal.BcEncryptionProvider;
import io.rhizome.fuzz.Contract;
import io.rhizome.fuzz.FuzzKeys;
import io.rhizome.fuzz.Target;
import io.rhizome.spi.crypto.AeadAlgorithm;
import io.rhizome.transport.cloud.FileSeal.BadFileException;

/**
 * The files of the cloud store-and-forward transport, read from a folder that a sync client (or
 * anyone with access to the cloud account) fills. The first input byte picks: 0, the bytes as a
 * whole manifest file of another device, opened with the real seal ({@link FileSeal#open}: magic,
 * kind, sealed box, signature, length) and decoded ({@link Manifest#decode}); 1, the bytes as the
 * content of a manifest once opened (a mesh member's own words: the seal proves who wrote it, not
 * that it is well formed); 2, the content of a snapshot file ({@link SnapshotContent#decode}).
 * Documented errors: {@link BadFileException}, and {@link IOException} from {@code Manifest.decode}.
 * A manifest or snapshot accepted must hold no null (what the exchange dereferences) and decode again
 * to an equal value after encoding.
 */
public final class CloudFileFuzz implements Target {

    private static final Contract CONTRACT = Contract.typed(BadFileException.class, IOException.class);
    private static final BcEncryptionProvider PROVIDER = new BcEncryptionProvider(new SecureRandom(), AeadAlgorithm.XCHACHA20_POLY1305);
    private static final FuzzKeys WRITER = new FuzzKeys(PROVIDER, 1);
    private static final FileSeal READER_SEAL = new FileSeal(PROVIDER, new FuzzKeys(PROVIDER, 2));
    private static final FileSeal WRITER_SEAL = new FileSeal(PROVIDER, WRITER);
    private static final String CHANNEL = "0123456789abcdef01234567";

    public static void fuzzerTestOneInput(byte[] input) {
        if (input.length == 0) {
            return;
        }
        byte[] bytes = Arrays.copyOfRange(input, 1, input.length);
        switch ((input[0] & 0xFF) % 3) {
            case 0 -> {
                Manifest[] m = new Manifest[1];
                if (CONTRACT.check(bytes, () -> m[0] = Manifest.decode(READER_SEAL.open(FileSeal.MANIFEST, WRITER.deviceId(), CHANNEL, bytes)))) {
                    checkManifest(m[0]);
                }
            }
            case 1 -> {
                Manifest[] m = new Manifest[1];
                if (CONTRACT.check(bytes, () -> m[0] = Manifest.decode(bytes))) {
                    checkManifest(m[0]);
                }
            }
            default -> {
                SnapshotContent[] s = new SnapshotContent[1];
                if (CONTRACT.check(bytes, () -> s[0] = SnapshotContent.decode(bytes))) {
                    checkSnapshot(s[0]);
                }
            }
        }
    }

    private static void checkManifest(Manifest m) {
        noNulls("versions", m.versions());
        noNulls("read", m.read());
        m.written().forEach((reader, c) -> {
            if (reader == null || c == null || c.peerHas() == null) {
                throw new Contract.Violation("an accepted manifest has a null channel in 'written'");
            }
            noNulls("written.peerHas", c.peerHas());
        });
        try {
            if (!Manifest.decode(m.encode()).equals(m)) {
                throw new Contract.Violation("an accepted manifest decodes to another after encoding");
            }
        } catch (IOException e) {
            throw new Contract.Violation("an accepted manifest does not decode after encoding: " + e.getMessage());
        }
    }

    private static void noNulls(String what, Map<String, Long> map) {
        map.forEach((k, v) -> {
            if (k == null || v == null) {
                throw new Contract.Violation("an accepted manifest has a null in '" + what + "'");
            }
        });
    }

    private static void checkSnapshot(SnapshotContent s) {
        try {
            SnapshotContent again = SnapshotContent.decode(s.encode());
            boolean same = again.seq() == s.seq() && again.batches().size() == s.batches().size();
            for (int i = 0; same && i < s.batches().size(); i++) {
                same = Arrays.equals(again.batches().get(i), s.batches().get(i));
            }
            if (!same) {
                throw new Contract.Violation("an accepted snapshot decodes to another after encoding");
            }
        } catch (BadFileException e) {
            throw new Contract.Violation("an accepted snapshot does not decode after encoding: " + e.getMessage());
        }
    }

    @Override
    public List<byte[]> seeds() throws Exception {
        Manifest m = Manifest.EMPTY.next(Map.of("notes/dev-a", 4L), Map.of("0123456789abcdef01234567", 2L),
                Map.of("abcdef0123456789abcdef01", new Manifest.Channel(120, 3, Map.of("notes/dev-a", 2L))));
        byte[] batch = "a batch of change sets".getBytes(StandardCharsets.UTF_8);
        return List.of(
                prefixed(0, WRITER_SEAL.seal(FileSeal.MANIFEST, CHANNEL, m.encode())),
                prefixed(0, WRITER_SEAL.seal(FileSeal.MANIFEST, CHANNEL, Manifest.EMPTY.encode())),
                prefixed(1, m.encode()),
                prefixed(1, Manifest.EMPTY.encode()),
                prefixed(2, new SnapshotContent(7, List.of(batch, batch)).encode()),
                prefixed(2, new SnapshotContent(0, List.of()).encode()));
    }

    private static byte[] prefixed(int selector, byte[] bytes) {
        byte[] out = new byte[bytes.length + 1];
        out[0] = (byte) selector;
        System.arraycopy(bytes, 0, out, 1, bytes.length);
        return out;
    }
}
