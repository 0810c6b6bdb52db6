package io.rhizome.core.internal.engine;

import java.util.Objects;

/**
 * A change set as stored in the log and sent on the wire: a clear header (what the store indexes
 * and the policy decides on) and the sealed body. With {@code epoch == PLAIN_EPOCH} the body is the plain
 * encoded {@link ChangeSet}; otherwise it was sealed under that mesh key epoch (see
 * {@link ChangeSetSealer}).
 *
 * @param version   envelope format version (1)
 * @param namespace header: the namespace
 * @param author    header: the author device
 * @param seq       header: the stream sequence number
 * @param epoch     mesh key epoch the body is sealed under; {@link #PLAIN_EPOCH} = not sealed
 * @param body      the (sealed) encoded change set
 */
public record Envelope(int version, String namespace, String author, long seq, long epoch, byte[] body) implements LogRecord {
    public static final int VERSION = 1;
    /** The epoch of an envelope whose body is not sealed. */
    public static final long PLAIN_EPOCH = -1;

    public Envelope {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(author, "author");
        Objects.requireNonNull(body, "body");
    }

    @Override
    public String stream() {
        return Streams.id(namespace, author);
    }

    @Override
    public ChangeSet open(ChangeSetSealer sealer, ChangeSetCodec codec)
            throws ChangeSetSealer.SealException, ChangeSetCodec.InvalidChangeSetException {
        return codec.decodeChangeSet(sealer.open(this));
    }
}
