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
 * by the REST API and backup: {@code @ConsumerType}: adding a method to it is a major change of
 * this package.
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
}
