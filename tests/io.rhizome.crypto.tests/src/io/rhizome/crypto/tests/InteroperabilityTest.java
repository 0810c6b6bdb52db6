package io.rhizome.crypto.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.rhizome.spi.crypto.AeadAlgorithm;
import io.rhizome.spi.crypto.ChangeSetContext;
import io.rhizome.spi.crypto.EncryptionProvider;
import io.rhizome.spi.crypto.KeyLookup;
import io.rhizome.spi.crypto.KeyService.MeshKey;
import io.rhizome.spi.crypto.SealedBatch;
import io.rhizome.spi.crypto.UnsupportedAlgorithmException;

/** Both registered providers read each other's change sets where their algorithms overlap. */
class InteroperabilityTest {

    private static final byte[] SK = HexFormat.of().parseHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    private static final byte[] PK = HexFormat.of().parseHex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    private static EncryptionProvider bc;
    private static EncryptionProvider jca;
    private final Random random = new Random(7);

    @BeforeAll
    static void lookUp() throws Exception {
        bc = Services.provider("bc");
        jca = Services.provider("jca");
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    @Test
    void aesGcmChangeSetsAndBatchesCrossBothWays() throws Exception {
        MeshKey key = new MeshKey(4, bytes(32));
        ChangeSetContext ctx = new ChangeSetContext("notes", "cs-1", PK, 4);
        byte[] payload = bytes(300);
        for (EncryptionProvider[] pair : new EncryptionProvider[][] {{bc, jca}, {jca, bc}}) {
            byte[] sealed = pair[0].sealChangeSet(AeadAlgorithm.AES_256_GCM, key, ctx, m -> pair[0].sign(SK, m), payload);
            assertArrayEquals(payload, pair[1].openChangeSet(KeyLookup.of(key), ctx, sealed), pair[0].name() + " -> " + pair[1].name());

            List<ChangeSetContext> contexts = new ArrayList<>();
            List<byte[]> payloads = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                contexts.add(new ChangeSetContext("notes", "b-" + i, PK, 4));
                payloads.add(bytes(64));
            }
            SealedBatch batch = pair[0].sealBatch(AeadAlgorithm.AES_256_GCM, key, m -> pair[0].sign(SK, m), contexts, payloads);
            List<byte[]> opened = pair[1].openBatch(KeyLookup.of(key), contexts, batch);
            assertEquals(20, opened.size());
            assertArrayEquals(payloads.get(19), opened.get(19));
        }
    }

    @Test
    void signaturesVerifyAcrossProviders() throws Exception {
        byte[] message = bytes(1000);
        assertTrue(jca.verify(PK, message, bc.sign(SK, message)));
        assertTrue(bc.verify(PK, message, jca.sign(SK, message)));
        assertArrayEquals(bc.deriveKey(message, null, null, 64), jca.deriveKey(message, null, null, 64));
        byte[] salt = bytes(16);
        byte[] info = bytes(8);
        assertArrayEquals(bc.deriveKey(message, salt, info, 1000), jca.deriveKey(message, salt, info, 1000));
    }

    @Test
    void xChaChaChangeSetIsRejectedByTheJdkProviderNamingTheAlgorithm() throws Exception {
        MeshKey key = new MeshKey(0, bytes(32));
        ChangeSetContext ctx = new ChangeSetContext("notes", "cs-x", PK, 0);
        byte[] sealed = bc.sealChangeSet(AeadAlgorithm.XCHACHA20_POLY1305, key, ctx, m -> bc.sign(SK, m), bytes(10));
        UnsupportedAlgorithmException e = assertThrows(UnsupportedAlgorithmException.class,
                () -> jca.openChangeSet(KeyLookup.of(key), ctx, sealed));
        assertTrue(e.getMessage().contains("XChaCha20-Poly1305"), e.getMessage());
    }
}
