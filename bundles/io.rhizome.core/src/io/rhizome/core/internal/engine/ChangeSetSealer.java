package io.rhizome.core.internal.engine;

/**
 * Protects change-set bodies before they are logged or sent and opens them on receipt. The
 * encryption-provider integration implements this with the mesh key (sign, then AEAD with the
 * envelope header as associated data); {@link #PLAIN} leaves bodies unprotected.
 */
public interface ChangeSetSealer {

    /** Seals an encoded change set; returns the envelope to log and send. */
    Envelope seal(ChangeSet header, byte[] encodedChangeSet) throws SealException;

    /** Opens an envelope's body, verifying whatever the seal protects. */
    byte[] open(Envelope envelope) throws SealException;

    /**
     * Seals the body of a scoped entry made by this node ({@code via}). The context binds the
     * namespace, the stream position it stands for, the predicate and this node's key.
     */
    ScopedEnvelope sealScoped(String namespace, String author, long seq, String via, String predicate, byte[] encodedBody)
            throws SealException;

    /** Opens a scoped entry, verifying {@code via}'s signature. */
    byte[] openScoped(ScopedEnvelope envelope) throws SealException;

    /** The body could not be sealed or opened (tampered, unknown epoch, unknown algorithm...). */
    final class SealException extends Exception {
        private static final long serialVersionUID = 1L;

        public SealException(String message, Throwable cause) {
            super(message, cause);
        }

        public SealException(String message) {
            super(message);
        }
    }

    ChangeSetSealer PLAIN = new ChangeSetSealer() {
        @Override
        public Envelope seal(ChangeSet cs, byte[] encoded) {
            return new Envelope(Envelope.VERSION, cs.namespace(), cs.author(), cs.seq(), Envelope.PLAIN_EPOCH, encoded);
        }

        @Override
        public byte[] open(Envelope envelope) throws SealException {
            if (envelope.epoch() != Envelope.PLAIN_EPOCH) {
                throw new SealException("change set " + envelope.stream() + "#" + envelope.seq() + " is sealed under key epoch "
                        + envelope.epoch() + " but this node has no encryption provider");
            }
            return envelope.body();
        }

        @Override
        public ScopedEnvelope sealScoped(String namespace, String author, long seq, String via, String predicate, byte[] body) {
            return new ScopedEnvelope(ScopedEnvelope.VERSION, namespace, author, seq, Envelope.PLAIN_EPOCH, via, predicate, body);
        }

        @Override
        public byte[] openScoped(ScopedEnvelope envelope) throws SealException {
            if (envelope.epoch() != Envelope.PLAIN_EPOCH) {
                throw new SealException("scoped entry " + envelope.stream() + "#" + envelope.seq() + " is sealed under key epoch "
                        + envelope.epoch() + " but this node has no encryption provider");
            }
            return envelope.body();
        }
    };
}
