package io.rhizome.spi.store;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * What a bundle outside the engine may know of the node's log without holding the
 * {@link ReplicaStore}: how many change sets it holds (pairing joins only a node that holds none,
 * since joining discards the node's own mesh keys). Registered by the store's bundle next to the
 * store, while the store is open.
 *
 * <p><b>Threading.</b> Thread-safe, answers from memory.
 *
 * @since 0.1
 */
@ConsumerType
public interface LogSummary {

    /** The number of change sets ever appended to the log ({@link ReplicaStore#head()}). */
    long changeSets();
}
