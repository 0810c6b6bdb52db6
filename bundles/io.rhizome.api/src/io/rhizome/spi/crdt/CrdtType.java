package io.rhizome.spi.crdt;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A conflict-free replicated data type, contributed as an OSGi service.
 *
 * <p><b>Registration:</b> register the service with the property {@value #TYPE_PROPERTY} equal to
 * {@link #name()} (with DS: {@code @Component(service = CrdtType.class)} and
 * {@code @CrdtTypeName(type = "or-set")}, see {@link CrdtTypeName}). Names are lower-case,
 * {@code [a-z0-9.-]+}; the built-in types use short names ({@code or-set}), third parties should use
 * a dotted prefix ({@code acme.max-register}). If two services share a name, the engine uses the one
 * with the highest {@code service.ranking}.
 *
 * <p><b>Lifecycle:</b> the engine may call any method from the moment the service is registered until
 * it is unregistered. Replicas created by a type stay usable after the type's service goes away
 * (the engine stops creating new ones and marks namespaces of that type unavailable).
 *
 * <p><b>Threading:</b> implementations must be thread-safe; the replicas they create need not be
 * (the engine confines each replica to one thread at a time).
 *
 * <p><b>Failure:</b> decoding hostile or malformed bytes throws {@link CrdtDecodeException} and never
 * anything else; no other exception may escape for any input.
 *
 * <p><b>Versioning:</b> Implemented by CRDT plugins ({@code io.rhizome.crdt}, third-party types)
 * and called by the engine: {@code @ConsumerType}: adding a method to it is a major change of this
 * package.
 *
 * @since 0.1
 */
@ConsumerType
public interface CrdtType {

    /** The service property that names a type. */
    String TYPE_PROPERTY = "crdt.type";

    /** The name, equal to the {@value #TYPE_PROPERTY} service property. */
    String name();

    /** One line that says how concurrent writes resolve, shown to users. */
    String semantics();

    /**
     * A new, empty replica for one entity.
     *
     * @param context who is writing (the replica id stamped on local operations) and how to find
     *                other types (for nested documents)
     */
    CrdtReplica newReplica(ReplicaContext context);

    /**
     * A replica restored from the bytes of {@link CrdtReplica#encodeState()}.
     *
     * @throws CrdtDecodeException if the bytes are not a valid state of this type; nothing is created
     */
    CrdtReplica decodeState(ReplicaContext context, byte[] state) throws CrdtDecodeException;
}
