package io.rhizome.testsupport;

/** The reactor's tests keep this name; the store itself ships in the SDK's {@code io.rhizome.conformance}. */
public final class MemoryReplicaStore extends io.rhizome.conformance.MemoryReplicaStore {
}
