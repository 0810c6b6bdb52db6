package io.rhizome.core.internal.engine;

import io.rhizome.core.internal.engine.ChangeSetCodec.InvalidChangeSetException;
import io.rhizome.core.internal.engine.ChangeSetSealer.SealException;

/**
 * One record of the log and of the wire: a change set as its author wrote it ({@link Envelope}), or
 * what a node sends in its place for a selective namespace ({@link ScopedEnvelope}). Both stand
 * for position {@code seq} of the stream {@code namespace|author} and carry a sealed body; the
 * header is in the clear (what the store indexes and the policy decides on).
 */
public sealed interface LogRecord permits Envelope, ScopedEnvelope {

    /** Envelope format version: {@link Envelope#VERSION} or {@link ScopedEnvelope#VERSION}. */
    int version();

    String namespace();

    /** The device that wrote the change set this record stands for. */
    String author();

    long seq();

    /** Mesh key epoch the body is sealed under; {@link Envelope#PLAIN_EPOCH} = not sealed. */
    long epoch();

    /** The sealed body. */
    byte[] body();

    default String stream() {
        return Streams.id(namespace(), author());
    }

    /** Opens (decrypts, checks the signature) and decodes the body. */
    LogBody open(ChangeSetSealer sealer, ChangeSetCodec codec) throws SealException, InvalidChangeSetException;
}
