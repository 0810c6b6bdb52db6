package io.rhizome.spi.crypto;

import java.util.Optional;

/**
 * The AEAD algorithms of the sealed-box wire format, each with its one-byte wire id. The id is part
 * of every sealed box, so a box names its algorithm and any provider can tell whether it can open it.
 *
 * <p>Ids are permanent: a new algorithm gets a new id, an id is never reused.
 *
 * @since 0.1
 */
public enum AeadAlgorithm {
    /** XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha): 256-bit key, 192-bit random nonce, 128-bit tag. */
    XCHACHA20_POLY1305(1, "XChaCha20-Poly1305", 24),
    /** AES-256-GCM (NIST SP 800-38D): 256-bit key, 96-bit random nonce, 128-bit tag. */
    AES_256_GCM(2, "AES-256-GCM", 12);

    /** Length of every key, in bytes. */
    public static final int KEY_LENGTH = 32;
    /** Length of every authentication tag, in bytes. */
    public static final int TAG_LENGTH = 16;

    private final int wireId;
    private final String algorithmName;
    private final int nonceLength;

    AeadAlgorithm(int wireId, String algorithmName, int nonceLength) {
        this.wireId = wireId;
        this.algorithmName = algorithmName;
        this.nonceLength = nonceLength;
    }

    /** The byte that names this algorithm in a sealed box. */
    public int wireId() {
        return wireId;
    }

    /** The human-readable name used in configuration, service properties and error messages. */
    public String algorithmName() {
        return algorithmName;
    }

    public int nonceLength() {
        return nonceLength;
    }

    /** The algorithm with this wire id, empty for an id this version of the format does not define. */
    public static Optional<AeadAlgorithm> byWireId(int id) {
        for (AeadAlgorithm a : values()) {
            if (a.wireId == id) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }

    /** The algorithm with this name (case-insensitive), empty if unknown. */
    public static Optional<AeadAlgorithm> byName(String name) {
        for (AeadAlgorithm a : values()) {
            if (a.algorithmName.equalsIgnoreCase(name)) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return algorithmName;
    }
}
