package io.rhizome.spi.crdt;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Typed fast path for replicas of character sequences (the built-in {@code text} type): the same
 * operations as the JSON intents {@code {"op":"insert","index":i,"text":s}} and
 * {@code {"op":"delete","index":i,"count":n}} given to {@link #mutate}, without building and parsing
 * JSON. A host that edits text keystroke by keystroke uses this interface when
 * {@code replica instanceof TextReplica}.
 *
 * <p>Indexes and lengths count Unicode code points, not UTF-16 chars.
 *
 * <p>Same contract as {@link CrdtReplica}: not thread-safe, atomic (an invalid call throws and
 * changes nothing), and each returned array is an operation for {@link CrdtReplica#apply} on the
 * other replicas.
 *
 * <p><b>Versioning:</b> Implemented by CRDT plugins and called by the engine and host
 * applications: {@code @ConsumerType}: adding a method to it is a major change of this package.
 *
 * @since 0.1
 */
@ConsumerType
public interface TextReplica extends CrdtReplica {

    /**
     * Inserts {@code text} so that its first code point ends up at {@code index}.
     *
     * @return the encoded operation
     * @throws CrdtIntentException if {@code index} is not in {@code [0, length()]} or the text is empty
     */
    byte[] insert(int index, String text) throws CrdtIntentException;

    /**
     * Deletes {@code count} code points starting at {@code index}.
     *
     * @return the encoded operation
     * @throws CrdtIntentException if the range is not inside {@code [0, length()]} or {@code count < 1}
     */
    byte[] delete(int index, int count) throws CrdtIntentException;

    /** The number of visible code points. */
    int length();

    /** The visible text. */
    String text();
}
