package io.rhizome.spi.crypto;

import java.util.List;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * The recovery mnemonic of this node: 24 BIP39 English words (256 bits of entropy plus an 8-bit
 * checksum) that deterministically derive the recovery/backup key. The words are generated once,
 * when the key store is created, and stored only encrypted in it.
 *
 * <p>Callers (the REST layer behind {@code rhizome recovery show|verify}, the backup bundle) must
 * never log the words or take them from a command line.
 *
 * <p>Thread-safe. Failures: {@link InvalidMnemonicException} for rejected words,
 * {@link CryptoException} when the key store cannot be read.
 *
 * <p><b>Versioning:</b> Implemented by a crypto plugin ({@code io.rhizome.crypto.bc}) and called
 * by the REST API and backup: {@code @ConsumerType}: adding an abstract method to it is a major
 * change of this package (methods added later have a default, so older implementations still load).
 *
 * @since 0.1
 */
@ConsumerType
public interface RecoveryService {

    /** The mnemonic of this node, 24 words. Show it only after the user confirmed. */
    List<String> mnemonic() throws CryptoException;

    /**
     * Checks words typed by the user against this node's mnemonic.
     *
     * @throws InvalidMnemonicException with {@link InvalidMnemonicException.Reason} WORD_COUNT,
     *                                  UNKNOWN_WORD, CHECKSUM or NOT_THIS_NODE
     */
    void verify(List<String> words) throws CryptoException;

    /** The 32-byte recovery/backup key of this node. */
    byte[] recoveryKey() throws CryptoException;

    /**
     * The recovery key that {@code words} derive, on any node (restoring a backup on a new device).
     * Deterministic: BIP39 seed (PBKDF2-HMAC-SHA512, 2048 rounds, empty passphrase) then
     * HKDF-SHA256 with info {@code rhizome/recovery-key/v1}.
     *
     * @throws InvalidMnemonicException WORD_COUNT, UNKNOWN_WORD or CHECKSUM
     */
    byte[] deriveRecoveryKey(List<String> words) throws CryptoException;

    /**
     * Makes {@code words} this node's recovery phrase from now on, in place of the one generated when
     * the key store was created, durably (written to the key store before it is used). Called when a
     * backup opened with those words was restored into this node: the restored device keeps the
     * phrase its backups are sealed with, so it goes on adding to them and can still open them. The
     * device identity and the mesh keys are not touched. Adopting the phrase the node already has
     * changes nothing.
     *
     * <p>The default refuses: an implementation that cannot replace its phrase keeps its own.
     *
     * @throws InvalidMnemonicException WORD_COUNT, UNKNOWN_WORD or CHECKSUM (nothing changed)
     * @throws CryptoException when the phrase cannot be replaced or the key store cannot be written
     *                         (nothing changed)
     * @since 0.1 (added with backup restores; default method)
     */
    default void adoptMnemonic(List<String> words) throws CryptoException {
        throw new CryptoException("this recovery service cannot take another recovery phrase; the node keeps its own");
    }
}
