package io.rhizome.core.internal.engine;

import java.util.Objects;

/**
 * What a node sends in place of a change set of a {@code selective} namespace: the change set's
 * place in its stream ({@code namespace|author}, {@code seq}) and the current states of those of its
 * entities that match the scope predicate — possibly none (a pure "skip": the receiver advances the
 * stream without applying anything). The body is sealed and signed by {@code via}, the node that
 * evaluated the predicate, not by the author: it attests to states it holds, which it cannot sign
 * in the author's name.
 *
 * <p>Envelope format version 2; a node that reads only version 1 refuses it as an invalid change
 * set, so it never counts the stream position as held.
 *
 * @param version   {@link #VERSION}
 * @param namespace header: the namespace
 * @param author    header: the author of the change set this stands for
 * @param seq       header: its number in the author's stream
 * @param epoch     mesh key epoch of the body; {@link Envelope#PLAIN_EPOCH} = not sealed
 * @param via       the device that filtered, sealed and signed it
 * @param predicate the canonical scope predicate it was filtered with
 * @param body      the (sealed) encoded {@link ScopedBody}
 */
public record ScopedEnvelope(int version, String namespace, String author, long seq, long epoch, String via, String predicate,
        byte[] body) implements LogRecord {
    public static final int VERSION = 2;

    public ScopedEnvelope {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(author, "author");
        Objects.requireNonNull(via, "via");
        Objects.requireNonNull(predicate, "predicate");
        Objects.requireNonNull(body, "body");
    }

    @Override
    public String stream() {
        return Streams.id(namespace, author);
    }

    @Override
    public ScopedBody open(ChangeSetSealer sealer, ChangeSetCodec codec)
            throws ChangeSetSealer.SealException, ChangeSetCodec.InvalidChangeSetException {
        return codec.decodeScopedBody(sealer.openScoped(this));
    }
}
