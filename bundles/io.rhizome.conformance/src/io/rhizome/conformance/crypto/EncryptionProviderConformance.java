package io.rhizome.conformance.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.rhizome.spi.crypto.AeadAlgorithm;
import io.rhizome.spi.crypto.ChangeSetContext;
import io.rhizome.spi.crypto.CryptoException;
import io.rhizome.spi.crypto.EncryptionProvider;
import io.rhizome.spi.crypto.KeyLookup;
import io.rhizome.spi.crypto.KeyService.MeshKey;
import io.rhizome.spi.crypto.SealedBatch;
import io.rhizome.spi.crypto.SealedBox;
import io.rhizome.spi.crypto.Signer;
import io.rhizome.spi.crypto.TamperedException;
import io.rhizome.spi.crypto.UnknownKeyEpochException;
import io.rhizome.spi.crypto.UnsupportedAlgorithmException;

/**
 * The contract every {@link EncryptionProvider} must meet. A provider's test bundle subclasses this
 * and returns its provider, as obtained from the OSGi service registry.
 */
public abstract class EncryptionProviderConformance {

    private static final HexFormat HEX = HexFormat.of();
    /** RFC 8032 section 7.1, TEST 1 and TEST 2. */
    protected static final byte[] SK1 = HEX.parseHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    protected static final byte[] PK1 = HEX.parseHex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    protected static final byte[] SK2 = HEX.parseHex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb");
    protected static final byte[] PK2 = HEX.parseHex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c");
    /** Sealed-box known answers made with libsodium (XChaCha20-Poly1305) and pyca/cryptography (AES-256-GCM). */
    private static final byte[] KAT_KEY = range(0, 32);
    private static final byte[] KAT_AD = "rhizome conformance".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] KAT_PLAIN = "known answer plaintext".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] KAT_XCHACHA = HEX.parseHex("010100000000000000076465666768696a6b6c6d6e6f707172737475767778797a7b"
            + "171d96c7910ee8ecf447f84d861fd1a832d526149c58fdf2acff80cf5ac654ec5aa0556670ac");
    private static final byte[] KAT_AES = HEX.parseHex("01020000000000000007c8c9cacbcccdcecfd0d1d2d3"
            + "7a160eace8ec9a4e074b7acc3e76877589e998cd7c1f44d76377afa75639b097e72b1e169f7f");

    protected final Random random = new Random(42);

    /** The provider under test. */
    protected abstract EncryptionProvider provider();

    private static byte[] range(int from, int to) {
        byte[] b = new byte[to - from];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (from + i);
        }
        return b;
    }

    protected byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    protected MeshKey key(long epoch) {
        return new MeshKey(epoch, bytes(32));
    }

    private static byte[] flip(byte[] b, int bit) {
        byte[] c = b.clone();
        c[bit >>> 3] ^= (byte) (1 << (bit & 7));
        return c;
    }

    private Signer signer(byte[] sk) {
        return m -> provider().sign(sk, m);
    }

    private Set<AeadAlgorithm> algorithms() {
        Set<AeadAlgorithm> a = provider().aeadAlgorithms();
        assertFalse(a.isEmpty(), "a provider implements at least one AEAD");
        return a;
    }

    /** Opening must fail with exactly one of the documented types, never return and never throw anything else. */
    private static CryptoException rejected(ThrowingCall call) {
        try {
            call.run();
        } catch (TamperedException | UnknownKeyEpochException | UnsupportedAlgorithmException e) {
            return e;
        } catch (CryptoException e) {
            fail("undocumented CryptoException subtype " + e.getClass().getName() + ": " + e.getMessage());
        } catch (RuntimeException e) {
            fail("a runtime exception escaped: " + e, e);
        }
        fail("accepted input that must be rejected");
        return null;
    }

    @FunctionalInterface
    private interface ThrowingCall {
        Object run() throws CryptoException;
    }

    // ---- identity of the provider ----

    @Test
    void defaultAlgorithmIsOneItImplements() {
        assertTrue(algorithms().contains(provider().defaultAlgorithm()));
        assertFalse(provider().name().isBlank());
    }

    // ---- round trips and format ----

    @Test
    void roundTripsEverySizeWithEveryAlgorithm() throws Exception {
        for (AeadAlgorithm alg : algorithms()) {
            for (int size : new int[] {0, 1, 100, 4096, 1 << 20}) {
                MeshKey k = key(5);
                byte[] plain = bytes(size);
                byte[] ad = bytes(40);
                byte[] sealed = provider().seal(alg, k, plain, ad);
                assertArrayEquals(plain, provider().open(KeyLookup.of(k), sealed, ad), alg + " " + size + " bytes");
            }
        }
    }

    @Test
    void sealedBoxIsSelfDescribing() throws Exception {
        for (AeadAlgorithm alg : algorithms()) {
            MeshKey k = key(123_456_789_012L);
            byte[] sealed = provider().seal(alg, k, bytes(100), new byte[0]);
            SealedBox box = SealedBox.decode(sealed);
            assertEquals(SealedBox.VERSION, box.version());
            assertEquals(alg, box.algorithm());
            assertEquals(123_456_789_012L, box.epoch());
            assertEquals(alg.nonceLength(), box.nonce().length);
            assertEquals(100 + AeadAlgorithm.TAG_LENGTH, box.ciphertext().length);
            assertArrayEquals(sealed, box.encode());
        }
    }

    @Test
    void opensKnownAnswerBoxesOfIndependentImplementations() throws Exception {
        MeshKey k = new MeshKey(7, KAT_KEY);
        if (algorithms().contains(AeadAlgorithm.XCHACHA20_POLY1305)) {
            assertArrayEquals(KAT_PLAIN, provider().open(KeyLookup.of(k), KAT_XCHACHA, KAT_AD));
        }
        if (algorithms().contains(AeadAlgorithm.AES_256_GCM)) {
            assertArrayEquals(KAT_PLAIN, provider().open(KeyLookup.of(k), KAT_AES, KAT_AD));
        }
    }

    // ---- tampering ----

    @Test
    void everySingleBitFlipOfTheSealedBoxIsRejected() throws Exception {
        for (AeadAlgorithm alg : algorithms()) {
            MeshKey k = key(1);
            byte[] ad = bytes(30);
            byte[] sealed = provider().seal(alg, k, bytes(32), ad);
            KeyLookup anyEpoch = epoch -> Optional.of(new MeshKey(epoch, k.key()));
            for (int bit = 0; bit < sealed.length * 8; bit++) {
                byte[] bad = flip(sealed, bit);
                rejected(() -> provider().open(KeyLookup.of(k), bad, ad));
                // Even when a key is found for a flipped epoch, the authenticated header catches it.
                rejected(() -> provider().open(anyEpoch, bad, ad));
            }
        }
    }

    @Test
    void everySingleBitFlipOfTheAssociatedDataIsRejectedAsTampering() throws Exception {
        for (AeadAlgorithm alg : algorithms()) {
            MeshKey k = key(1);
            byte[] ad = bytes(48);
            byte[] sealed = provider().seal(alg, k, bytes(20), ad);
            for (int bit = 0; bit < ad.length * 8; bit++) {
                byte[] bad = flip(ad, bit);
                assertThrows(TamperedException.class, () -> provider().open(KeyLookup.of(k), sealed, bad));
            }
            assertThrows(TamperedException.class, () -> provider().open(KeyLookup.of(k), sealed, Arrays.copyOf(ad, 47)));
            assertThrows(TamperedException.class, () -> provider().open(KeyLookup.of(k), sealed, Arrays.copyOf(ad, 49)));
        }
    }

    @Test
    void everySingleBitFlipOfTheAuthorSignatureIsRejected() throws Exception {
        byte[] message = bytes(77);
        byte[] sig = provider().sign(SK1, message);
        assertTrue(provider().verify(PK1, message, sig));
        for (int bit = 0; bit < sig.length * 8; bit++) {
            assertFalse(provider().verify(PK1, message, flip(sig, bit)), "signature bit " + bit);
        }
        for (int bit = 0; bit < message.length * 8; bit++) {
            assertFalse(provider().verify(PK1, flip(message, bit), sig), "message bit " + bit);
        }
        // Inside a change set: the signature is sealed, so flip it before sealing.
        for (AeadAlgorithm alg : algorithms()) {
            MeshKey k = key(2);
            ChangeSetContext ctx = new ChangeSetContext("notes", "cs-1", PK1, 2);
            for (int bit = 0; bit < EncryptionProvider.SIGNATURE_LENGTH * 8; bit++) {
                int b = bit;
                byte[] sealed = provider().sealChangeSet(alg, k, ctx, m -> flip(provider().sign(SK1, m), b), bytes(10));
                assertThrows(TamperedException.class, () -> provider().openChangeSet(KeyLookup.of(k), ctx, sealed), "bit " + bit);
            }
        }
    }

    @Test
    void knownAnswerSignatureAndKeyDerivation() throws Exception {
        assertEquals("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
                HEX.formatHex(provider().sign(SK1, new byte[0])));
        byte[] sig2 = HEX.parseHex("92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00");
        assertTrue(provider().verify(PK2, new byte[] {0x72}, sig2));
        assertFalse(provider().verify(PK1, new byte[] {0x72}, sig2), "another key's signature");
        // RFC 5869, test case 1
        byte[] ikm = new byte[22];
        Arrays.fill(ikm, (byte) 0x0b);
        assertEquals("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
                HEX.formatHex(provider().deriveKey(ikm, range(0, 13), HEX.parseHex("f0f1f2f3f4f5f6f7f8f9"), 42)));
    }

    // ---- change sets ----

    @Test
    void changeSetRoundTripsAndIsBoundToItsContext() throws Exception {
        for (AeadAlgorithm alg : algorithms()) {
            MeshKey k3 = key(3);
            MeshKey k4 = key(4);
            KeyLookup both = e -> e == 3 ? Optional.of(k3) : e == 4 ? Optional.of(k4) : Optional.empty();
            ChangeSetContext ctx = new ChangeSetContext("notes", "cs-42", PK1, 3);
            byte[] payload = bytes(200);
            byte[] sealed = provider().sealChangeSet(alg, k3, ctx, signer(SK1), payload);
            assertArrayEquals(payload, provider().openChangeSet(both, ctx, sealed));

            List<ChangeSetContext> moved = List.of(
                    new ChangeSetContext("prefs", "cs-42", PK1, 3),
                    new ChangeSetContext("notes", "cs-43", PK1, 3),
                    new ChangeSetContext("notes", "cs-42", PK2, 3),
                    new ChangeSetContext("notes", "cs-42", PK1, 4));
            for (ChangeSetContext other : moved) {
                assertThrows(TamperedException.class, () -> provider().openChangeSet(both, other, sealed), other.toString());
            }
            // Signed by another device than the one the context names.
            byte[] forged = provider().sealChangeSet(alg, k3, ctx, signer(SK2), payload);
            assertThrows(TamperedException.class, () -> provider().openChangeSet(both, ctx, forged));
        }
    }

    @Test
    void wrongOrUnknownEpochIsRejected() throws Exception {
        for (AeadAlgorithm alg : algorithms()) {
            MeshKey k1 = key(1);
            MeshKey k2 = key(2);
            ChangeSetContext ctx2 = new ChangeSetContext("notes", "cs", PK1, 2);
            byte[] sealed = provider().sealChangeSet(alg, k2, ctx2, signer(SK1), bytes(10));
            UnknownKeyEpochException e = assertThrows(UnknownKeyEpochException.class,
                    () -> provider().openChangeSet(KeyLookup.of(k1), ctx2, sealed));
            assertTrue(e.getMessage().contains("2"), e.getMessage());
            // Right epoch number, wrong key bytes: indistinguishable from tampering.
            assertThrows(TamperedException.class, () -> provider().openChangeSet(KeyLookup.of(new MeshKey(2, bytes(32))), ctx2, sealed));
            // Old epochs stay readable after rotation.
            byte[] old = provider().sealChangeSet(alg, k1, new ChangeSetContext("notes", "old", PK1, 1), signer(SK1), bytes(5));
            KeyLookup history = e2 -> e2 == 1 ? Optional.of(k1) : e2 == 2 ? Optional.of(k2) : Optional.empty();
            assertEquals(5, provider().openChangeSet(history, new ChangeSetContext("notes", "old", PK1, 1), old).length);
            assertEquals(10, provider().openChangeSet(history, ctx2, sealed).length);
        }
    }

    // ---- batches ----

    @Test
    void batchRoundTripsAndRejectsReorderDropAndFlips() throws Exception {
        for (AeadAlgorithm alg : algorithms()) {
            MeshKey k = key(9);
            List<ChangeSetContext> ctx = new ArrayList<>();
            List<byte[]> payloads = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                ctx.add(new ChangeSetContext("notes", "cs-" + i, PK1, 9));
                payloads.add(bytes(100));
            }
            SealedBatch batch = provider().sealBatch(alg, k, signer(SK1), ctx, payloads);
            List<byte[]> opened = provider().openBatch(KeyLookup.of(k), ctx, batch);
            for (int i = 0; i < 50; i++) {
                assertArrayEquals(payloads.get(i), opened.get(i));
            }
            List<byte[]> swapped = new ArrayList<>(batch.boxes());
            Collections.swap(swapped, 3, 4);
            List<ChangeSetContext> swappedCtx = new ArrayList<>(ctx);
            Collections.swap(swappedCtx, 3, 4);
            assertThrows(TamperedException.class, () -> provider().openBatch(KeyLookup.of(k), swappedCtx,
                    new SealedBatch(swapped, batch.sealedSignature())), "reordered");
            assertThrows(TamperedException.class, () -> provider().openBatch(KeyLookup.of(k), ctx.subList(0, 49),
                    new SealedBatch(batch.boxes().subList(0, 49), batch.sealedSignature())), "dropped");
            byte[] sig = batch.sealedSignature();
            for (int bit = 0; bit < sig.length * 8; bit++) {
                byte[] bad = flip(sig, bit);
                rejected(() -> provider().openBatch(KeyLookup.of(k), ctx, new SealedBatch(batch.boxes(), bad)));
            }
            SealedBatch otherAuthor = provider().sealBatch(alg, k, signer(SK2), ctx, payloads);
            assertThrows(TamperedException.class, () -> provider().openBatch(KeyLookup.of(k), ctx, otherAuthor));
        }
    }

    // ---- nonces ----

    @Test
    void noNonceRepeatsOverOneMillionSeals() throws Exception {
        for (AeadAlgorithm alg : algorithms()) {
            MeshKey k = key(0);
            int n = 1_000_000;
            long[] prefixes = new long[n];
            byte[] plain = new byte[0];
            byte[] ad = new byte[0];
            for (int i = 0; i < n; i++) {
                byte[] sealed = provider().seal(alg, k, plain, ad);
                prefixes[i] = ByteBuffer.wrap(sealed, SealedBox.HEADER_LENGTH, 8).getLong();
            }
            Arrays.sort(prefixes);
            // Equal 64-bit prefixes are already a failure: with random 96/192-bit nonces the chance is ~3e-8.
            for (int i = 1; i < n; i++) {
                assertNotEquals(prefixes[i - 1], prefixes[i], alg + ": nonce prefix repeated within " + n + " seals");
            }
        }
    }

    // ---- hostile input ----

    @Test
    void hostileLengthsAreRejectedOnlyWithDocumentedTypes() throws Exception {
        MeshKey k = key(0);
        KeyLookup keys = KeyLookup.of(k);
        rejected(() -> provider().open(keys, null, new byte[0]));
        for (int len = 0; len < 120; len++) {
            byte[] garbage = bytes(len);
            rejected(() -> provider().open(keys, garbage, new byte[0]));
            for (AeadAlgorithm alg : AeadAlgorithm.values()) {
                // Well-formed header of every algorithm, epoch 0, followed by garbage.
                byte[] framed = ByteBuffer.allocate(SealedBox.HEADER_LENGTH + len).put(SealedBox.header(alg, 0)).put(garbage).array();
                rejected(() -> provider().open(keys, framed, new byte[0]));
                rejected(() -> provider().openChangeSet(keys, new ChangeSetContext("n", "c", PK1, 0), framed));
            }
        }
        byte[] huge = new byte[SealedBox.MAX_LENGTH + 1];
        huge[0] = 1;
        huge[1] = (byte) provider().defaultAlgorithm().wireId();
        assertThrows(TamperedException.class, () -> provider().open(keys, huge, new byte[0]));
        byte[] ok = provider().seal(provider().defaultAlgorithm(), k, bytes(10), new byte[0]);
        assertThrows(TamperedException.class, () -> provider().open(keys, ok, null));
        // A changed format version is refused, not guessed at.
        byte[] v2 = ok.clone();
        v2[0] = 2;
        assertThrows(TamperedException.class, () -> provider().open(keys, v2, new byte[0]));

        assertFalse(provider().verify(new byte[31], new byte[1], new byte[64]));
        assertFalse(provider().verify(PK1, new byte[1], new byte[63]));
        assertFalse(provider().verify(null, new byte[1], new byte[64]));
        assertFalse(provider().verify(new byte[32], new byte[0], new byte[64]), "all-zero key and signature");
        assertThrows(CryptoException.class, () -> provider().sign(new byte[31], new byte[1]));
        assertThrows(CryptoException.class, () -> provider().deriveKey(new byte[32], null, null, 0));
        assertThrows(CryptoException.class, () -> provider().deriveKey(new byte[32], null, null, 255 * 32 + 1));
        assertThrows(TamperedException.class, () -> provider().openBatch(keys, List.of(new ChangeSetContext("n", "c", PK1, 0)),
                new SealedBatch(List.of(), new byte[0])));
        assertThrows(IllegalArgumentException.class, () -> new ChangeSetContext("x".repeat(256), "c", PK1, 0));
        assertThrows(IllegalArgumentException.class, () -> new ChangeSetContext("n", "c", new byte[31], 0));
        assertThrows(IllegalArgumentException.class, () -> new ChangeSetContext("n", "c", PK1, -1));
    }

    // ---- algorithms a provider lacks ----

    @Test
    void algorithmsItLacksAreRejectedByName() throws Exception {
        MeshKey k = key(0);
        for (AeadAlgorithm alg : EnumSet.complementOf(EnumSet.copyOf(algorithms()))) {
            UnsupportedAlgorithmException e = assertThrows(UnsupportedAlgorithmException.class,
                    () -> provider().seal(alg, k, bytes(5), new byte[0]));
            assertTrue(e.getMessage().contains(alg.algorithmName()), e.getMessage());
            byte[] box = ByteBuffer.allocate(SealedBox.HEADER_LENGTH + alg.nonceLength() + 40)
                    .put(SealedBox.header(alg, 0)).put(bytes(alg.nonceLength() + 40)).array();
            UnsupportedAlgorithmException o = assertThrows(UnsupportedAlgorithmException.class,
                    () -> provider().open(KeyLookup.of(k), box, new byte[0]));
            assertTrue(o.getMessage().contains(alg.algorithmName()), o.getMessage());
        }
        byte[] unknownId = provider().seal(provider().defaultAlgorithm(), k, bytes(5), new byte[0]);
        unknownId[1] = 99;
        UnsupportedAlgorithmException u = assertThrows(UnsupportedAlgorithmException.class,
                () -> provider().open(KeyLookup.of(k), unknownId, new byte[0]));
        assertTrue(u.getMessage().contains("99"), u.getMessage());
    }

    @Test
    void randomBytesAreFreshAndOfTheRequestedLength() {
        byte[] a = provider().randomBytes(32);
        byte[] b = provider().randomBytes(32);
        assertEquals(32, a.length);
        assertFalse(Arrays.equals(a, b));
        assertEquals(0, provider().randomBytes(0).length);
    }
}
