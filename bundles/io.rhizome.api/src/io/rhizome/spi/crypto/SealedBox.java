package io.rhizome.spi.crypto;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The self-describing wire format of one AEAD-sealed value, shared by every provider so that boxes
 * sealed by one open with another wherever their algorithms overlap.
 *
 * <pre>
 * offset  size  field
 * 0       1     format version, {@value #VERSION}
 * 1       1     algorithm wire id ({@link AeadAlgorithm#wireId()})
 * 2       8     key epoch, big-endian, 0 .. 2^63-1 (top bit clear)
 * 10      n     nonce, n = {@link AeadAlgorithm#nonceLength()} (24 or 12)
 * 10+n    rest  ciphertext followed by the 16-byte tag
 * </pre>
 *
 * The header (version, algorithm, epoch) is authenticated: providers prepend it to the caller's
 * associated data, so changing any header byte makes {@code open} fail.
 *
 * @param version    the format version
 * @param algorithm  the AEAD algorithm
 * @param epoch      the key epoch the box was sealed under
 * @param nonce      the nonce
 * @param ciphertext ciphertext and tag
 * @since 0.1
 */
public record SealedBox(int version, AeadAlgorithm algorithm, long epoch, byte[] nonce, byte[] ciphertext) {

    /** The only format version defined so far. */
    public static final int VERSION = 1;
    /** Bytes before the nonce. */
    public static final int HEADER_LENGTH = 10;
    /** Largest sealed box any provider accepts (64 MiB plus header); larger input is rejected, never allocated. */
    public static final int MAX_LENGTH = (64 << 20) + 64;

    public SealedBox {
        if (version != VERSION) {
            throw new IllegalArgumentException("sealed-box version must be " + VERSION + ", not " + version);
        }
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
        }
        if (algorithm == null || nonce == null || ciphertext == null) {
            throw new IllegalArgumentException("algorithm, nonce and ciphertext are required");
        }
        if (nonce.length != algorithm.nonceLength()) {
            throw new IllegalArgumentException(algorithm + " needs a " + algorithm.nonceLength() + "-byte nonce, not " + nonce.length);
        }
        if (ciphertext.length < AeadAlgorithm.TAG_LENGTH) {
            throw new IllegalArgumentException("ciphertext shorter than the " + AeadAlgorithm.TAG_LENGTH + "-byte tag");
        }
        nonce = nonce.clone();
        ciphertext = ciphertext.clone();
    }

    @Override
    public byte[] nonce() {
        return nonce.clone();
    }

    @Override
    public byte[] ciphertext() {
        return ciphertext.clone();
    }

    /** The authenticated header: version, algorithm id and epoch. */
    public byte[] header() {
        return header(algorithm, epoch);
    }

    /** The header bytes for a box of {@code algorithm} sealed under {@code epoch}. */
    public static byte[] header(AeadAlgorithm algorithm, long epoch) {
        return ByteBuffer.allocate(HEADER_LENGTH).put((byte) VERSION).put((byte) algorithm.wireId()).putLong(epoch).array();
    }

    /** The wire bytes. */
    public byte[] encode() {
        return ByteBuffer.allocate(HEADER_LENGTH + nonce.length + ciphertext.length)
                .put(header()).put(nonce).put(ciphertext).array();
    }

    /**
     * Parses wire bytes without authenticating them (that is {@code open}'s job).
     *
     * @throws TamperedException             if the bytes are not a well-formed box (wrong version, too
     *                                       short, too long, epoch out of range)
     * @throws UnsupportedAlgorithmException if the algorithm id is not defined by this format version
     */
    public static SealedBox decode(byte[] wire) throws TamperedException, UnsupportedAlgorithmException {
        if (wire == null) {
            throw new TamperedException("sealed box is missing");
        }
        if (wire.length > MAX_LENGTH) {
            throw new TamperedException("sealed box of " + wire.length + " bytes exceeds the limit of " + MAX_LENGTH);
        }
        if (wire.length < HEADER_LENGTH) {
            throw new TamperedException("sealed box of " + wire.length + " bytes is shorter than its " + HEADER_LENGTH + "-byte header");
        }
        int version = wire[0] & 0xff;
        if (version != VERSION) {
            throw new TamperedException("sealed box has format version " + version + "; this node reads version " + VERSION);
        }
        int id = wire[1] & 0xff;
        AeadAlgorithm algorithm = AeadAlgorithm.byWireId(id)
                .orElseThrow(() -> new UnsupportedAlgorithmException("sealed box uses AEAD algorithm id " + id + ", which this node does not know"));
        long epoch = ByteBuffer.wrap(wire, 2, 8).getLong();
        if (epoch < 0) {
            throw new TamperedException("sealed box names an out-of-range key epoch (top bit set)");
        }
        int n = algorithm.nonceLength();
        if (wire.length < HEADER_LENGTH + n + AeadAlgorithm.TAG_LENGTH) {
            throw new TamperedException("sealed " + algorithm + " box of " + wire.length + " bytes is too short for its nonce and tag");
        }
        byte[] nonce = Arrays.copyOfRange(wire, HEADER_LENGTH, HEADER_LENGTH + n);
        byte[] ct = Arrays.copyOfRange(wire, HEADER_LENGTH + n, wire.length);
        return new SealedBox(VERSION, algorithm, epoch, nonce, ct);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SealedBox b && b.algorithm == algorithm && b.epoch == epoch
                && Arrays.equals(b.nonce, nonce) && Arrays.equals(b.ciphertext, ciphertext);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(ciphertext) * 31 + Long.hashCode(epoch);
    }

    @Override
    public String toString() {
        return "SealedBox[" + algorithm + ", epoch=" + epoch + ", " + ciphertext.length + " bytes]";
    }
}
