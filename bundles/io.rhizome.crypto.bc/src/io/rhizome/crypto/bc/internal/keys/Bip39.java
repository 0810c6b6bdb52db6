package io.rhizome.crypto.bc.internal.keys;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.bouncycastle.crypto.digests.SHA512Digest;
import org.bouncycastle.crypto.generators.PKCS5S2ParametersGenerator;
import org.bouncycastle.crypto.params.KeyParameter;

import io.rhizome.spi.crypto.InvalidMnemonicException;
import io.rhizome.spi.crypto.InvalidMnemonicException.Reason;

/**
 * BIP39 mnemonics of 24 words (256-bit entropy, 8-bit checksum) over the official English word list,
 * written from the BIP-0039 specification. The word list ships as data ({@code data/bip39-english.txt})
 * and is checked against its published SHA-256 when loaded, so a corrupted list cannot silently
 * produce unrecoverable phrases.
 *
 * <p>No Maven Central BIP39 library was both maintained and an OSGi bundle without a large
 * dependency tree (bitcoinj pulls Guava, protobuf, ...), and the algorithm is 60 lines.
 */
public final class Bip39 {

    public static final int WORDS = 24;
    public static final int ENTROPY_BYTES = 32;
    private static final String LIST_SHA256 = "2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda";

    private final List<String> words;
    private final Map<String, Integer> index;

    private Bip39(List<String> words) {
        this.words = List.copyOf(words);
        this.index = new HashMap<>();
        for (int i = 0; i < words.size(); i++) {
            index.put(words.get(i), i);
        }
    }

    /** Loads and checks the English list. */
    public static Bip39 english() {
        try (InputStream in = Bip39.class.getResourceAsStream("/data/bip39-english.txt")) {
            if (in == null) {
                throw new IllegalStateException("BIP39 English word list data/bip39-english.txt is missing from the bundle");
            }
            byte[] bytes = in.readAllBytes();
            String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
            if (!LIST_SHA256.equals(hash)) {
                throw new IllegalStateException("BIP39 English word list is corrupted (SHA-256 " + hash + ")");
            }
            List<String> list = new String(bytes, StandardCharsets.UTF_8).lines().toList();
            return new Bip39(list);
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot load the BIP39 English word list", e);
        }
    }

    /** The 24 words of 32 bytes of entropy. */
    public List<String> toMnemonic(byte[] entropy) {
        if (entropy.length != ENTROPY_BYTES) {
            throw new IllegalArgumentException("entropy must be " + ENTROPY_BYTES + " bytes");
        }
        byte[] bits = new byte[ENTROPY_BYTES + 1];
        System.arraycopy(entropy, 0, bits, 0, ENTROPY_BYTES);
        bits[ENTROPY_BYTES] = sha256(entropy)[0];
        List<String> out = new ArrayList<>(WORDS);
        for (int w = 0; w < WORDS; w++) {
            out.add(words.get(readBits(bits, w * 11)));
        }
        return out;
    }

    /**
     * The entropy the words encode.
     *
     * @throws InvalidMnemonicException WORD_COUNT, UNKNOWN_WORD (with its position) or CHECKSUM;
     *                                  the message never contains the words
     */
    public byte[] toEntropy(List<String> mnemonic) throws InvalidMnemonicException {
        List<String> normalized = normalize(mnemonic);
        if (normalized.size() != WORDS) {
            throw new InvalidMnemonicException(Reason.WORD_COUNT, 0,
                    "a recovery phrase has " + WORDS + " words; " + normalized.size() + " were given");
        }
        byte[] bits = new byte[ENTROPY_BYTES + 1];
        for (int w = 0; w < WORDS; w++) {
            Integer i = index.get(normalized.get(w));
            if (i == null) {
                throw new InvalidMnemonicException(Reason.UNKNOWN_WORD, w + 1,
                        "word " + (w + 1) + " is not in the BIP39 English word list; check its spelling");
            }
            writeBits(bits, w * 11, i);
        }
        byte[] entropy = java.util.Arrays.copyOf(bits, ENTROPY_BYTES);
        if (sha256(entropy)[0] != bits[ENTROPY_BYTES]) {
            throw new InvalidMnemonicException(Reason.CHECKSUM, 0,
                    "the recovery phrase checksum does not match: a word is wrong or two words are swapped");
        }
        return entropy;
    }

    /** The 64-byte BIP39 seed: PBKDF2-HMAC-SHA512, 2048 rounds, salt "mnemonic" + passphrase (NFKD). */
    public byte[] seed(List<String> mnemonic, String passphrase) throws InvalidMnemonicException {
        toEntropy(mnemonic);
        String sentence = String.join(" ", normalize(mnemonic));
        String salt = "mnemonic" + Normalizer.normalize(passphrase, Normalizer.Form.NFKD);
        PKCS5S2ParametersGenerator pbkdf2 = new PKCS5S2ParametersGenerator(new SHA512Digest());
        pbkdf2.init(sentence.getBytes(StandardCharsets.UTF_8), salt.getBytes(StandardCharsets.UTF_8), 2048);
        return ((KeyParameter) pbkdf2.generateDerivedParameters(512)).getKey();
    }

    private static List<String> normalize(List<String> mnemonic) {
        List<String> out = new ArrayList<>(mnemonic.size());
        for (String entry : mnemonic) {
            // Entries may be single words or whole lines read from standard input.
            for (String w : (entry == null ? "" : entry).strip().split("\\s+")) {
                String n = Normalizer.normalize(w, Normalizer.Form.NFKD).toLowerCase(Locale.ROOT);
                if (!n.isEmpty()) {
                    out.add(n);
                }
            }
        }
        return out;
    }

    private static int readBits(byte[] b, int bitOffset) {
        int v = 0;
        for (int i = 0; i < 11; i++) {
            int bit = bitOffset + i;
            v = (v << 1) | ((b[bit >>> 3] >>> (7 - (bit & 7))) & 1);
        }
        return v;
    }

    private static void writeBits(byte[] b, int bitOffset, int value) {
        for (int i = 0; i < 11; i++) {
            int bit = bitOffset + i;
            if (((value >>> (10 - i)) & 1) != 0) {
                b[bit >>> 3] |= (byte) (1 << (7 - (bit & 7)));
            }
        }
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
