/**
 * SPI for conflict-free replicated data types. A bundle contributes a type by registering a
 * {@link io.rhizome.spi.crdt.CrdtType} OSGi service with the {@code crdt.type} property; the engine
 * picks it up at run time and drops it when the bundle stops.
 *
 * <p>Replicas of sequence types may also implement a typed fast path ({@link
 * io.rhizome.spi.crdt.TextReplica} for text) that hosts editing keystroke by keystroke use instead of
 * JSON intents.
 */
package io.rhizome.spi.crdt;
