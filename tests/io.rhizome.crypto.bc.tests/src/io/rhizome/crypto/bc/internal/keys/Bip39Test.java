package io.rhizome.crypto.bc.internal.keys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.rhizome.spi.crypto.InvalidMnemonicException;
import io.rhizome.spi.crypto.InvalidMnemonicException.Reason;

/**
 * BIP39 24-word vectors (entropy, mnemonic, seed with passphrase "TREZOR") as in the reference
 * implementation's test vectors, cross-checked with python-mnemonic 0.19.
 */
class Bip39Test {

    private static final HexFormat HEX = HexFormat.of();
    private final Bip39 bip39 = Bip39.english();

    private static List<String> words(String s) {
        return Arrays.asList(s.split(" "));
    }

    private void check(String entropy, String mnemonic, String seed) throws Exception {
        assertEquals(words(mnemonic), bip39.toMnemonic(HEX.parseHex(entropy)));
        assertArrayEquals(HEX.parseHex(entropy), bip39.toEntropy(words(mnemonic)));
        assertEquals(seed, HEX.formatHex(bip39.seed(words(mnemonic), "TREZOR")));
    }

    @Test
    void referenceVectors() throws Exception {
        check("0000000000000000000000000000000000000000000000000000000000000000",
                "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon "
                        + "abandon abandon abandon abandon abandon abandon abandon abandon art",
                "bda85446c68413707090a52022edd26a1c9462295029f2e60cd7c4f2bbd3097170af7a4d73245cafa9c3cca8d561a7c3de6f5d4a10be8ed2a5e608d68f92fcc8");
        check("7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f",
                "legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth useful legal winner thank "
                        + "year wave sausage worth title",
                "bc09fca1804f7e69da93c2f2028eb238c227f2e9dda30cd63699232578480a4021b146ad717fbb7e451ce9eb835f43620bf5c514db0f8add49f5d121449d3e87");
        check("68a79eaca2324873eacc50cb9c6eca8cc68ea5d936f98787c60c7ebc74e6ce7c",
                "hamster diagram private dutch cause delay private meat slide toddler razor book happy fancy gospel tennis maple dilemma "
                        + "loan word shrug inflict delay length",
                "64c87cde7e12ecf6704ab95bb1408bef047c22db4cc7491c4271d170a1b213d20b385bc1588d9c7b38f1b39d415665b8a9030c9ec653d75e65f847d8fc1fc440");
    }

    @Test
    void wrongWordsGiveTypedErrorsThatNeverRepeatTheWords() {
        List<String> valid = bip39.toMnemonic(HEX.parseHex("68a79eaca2324873eacc50cb9c6eca8cc68ea5d936f98787c60c7ebc74e6ce7c"));

        InvalidMnemonicException tooFew = assertThrows(InvalidMnemonicException.class, () -> bip39.toEntropy(valid.subList(0, 12)));
        assertEquals(Reason.WORD_COUNT, tooFew.reason());

        List<String> typo = new ArrayList<>(valid);
        typo.set(4, "kause");
        InvalidMnemonicException unknown = assertThrows(InvalidMnemonicException.class, () -> bip39.toEntropy(typo));
        assertEquals(Reason.UNKNOWN_WORD, unknown.reason());
        assertEquals(5, unknown.position());
        assertFalse(unknown.getMessage().contains("kause"));

        // Swapping the first two words ("hamster diagram") changes the entropy but not the checksum byte's source: rejected.
        List<String> swapped = new ArrayList<>(valid);
        swapped.set(0, valid.get(1));
        swapped.set(1, valid.get(0));
        InvalidMnemonicException checksum = assertThrows(InvalidMnemonicException.class, () -> bip39.toEntropy(swapped));
        assertEquals(Reason.CHECKSUM, checksum.reason());
        assertFalse(checksum.getMessage().contains("hamster"));
    }

    @Test
    void toleratesCaseSpacingAndWholeLines() throws Exception {
        String line = "  LEGAL winner thank year wave sausage worth useful legal winner thank year\twave sausage worth useful legal "
                + "winner thank year wave sausage worth Title \n";
        assertArrayEquals(HEX.parseHex("7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f"), bip39.toEntropy(List.of(line)));
    }
}
