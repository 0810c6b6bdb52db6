package io.rhizome.spi.crdt;

import java.util.List;

import org.osgi.annotation.versioning.ConsumerType;

import com.fasterxml.jackson.databind.JsonNode;

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
 * anything else; no other exception may escape for any input. {@link #deleteIntent} and
 * {@link #importIntents} throw {@link CrdtIntentException} and nothing else.
 *
 * <p><b>Host operations:</b> what a whole-entity delete means ({@link #deleteIntent}) and how an
 * exported value becomes intents again ({@link #importIntents}) are answered by the type, so the
 * engine, the REST API and the CLI treat every type alike, built-in or not. Both have defaults that
 * refuse with a sentence naming the type; a type written before they existed compiles and runs
 * unchanged, and its namespaces cannot be deleted from or imported into.
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

    /**
     * The type of a namespace nobody declared, unless the node is configured otherwise (PID
     * {@code io.rhizome.core}, {@code defaultCrdtType}): a last-writer-wins register of any JSON
     * value, built into {@code io.rhizome.crdt}.
     */
    String DEFAULT_TYPE = "lww-register";

    /**
     * The type of the reserved namespace that carries namespace declarations
     * ({@code SyncService.DECLARATIONS_NAMESPACE}): a multi-value register, built into
     * {@code io.rhizome.crdt}, so that concurrent declarations stay side by side instead of one
     * silently overwriting the other.
     */
    String DECLARATIONS_TYPE = "mv-register";

    /**
     * The intent that deletes a whole entity of this type ({@code SyncService.delete}, REST
     * {@code DELETE /api/v1/ns/{ns}/{key}}, CLI {@code del}); the engine applies it through
     * {@link CrdtReplica#mutate} like any other intent, so it replicates like any other write.
     *
     * <p>It takes no value on purpose: a delete must not depend on a value read before the write
     * (a concurrent write would slip between them). A type whose delete depends on what the entity
     * holds defines an intent that acts on what the replica has observed (a "clear") and returns
     * that.
     *
     * <p>The default refuses with {@code type 'NAME' does not support delete}; the engine answers
     * {@code WRONG_OPERATION} (REST 422) with that sentence and writes nothing.
     *
     * @return an intent this type's replicas accept; never null
     * @throws CrdtIntentException if a whole entity of this type cannot be deleted; the message names
     *                             the type and, where there is one, what to do instead
     * @since 0.1
     */
    default JsonNode deleteIntent() throws CrdtIntentException {
        throw new CrdtIntentException("type '" + name() + "' does not support delete");
    }

    /**
     * The intents that turn an entity whose exported value is {@code current} into one whose
     * exported value is {@code exported}: how {@code import} writes an exported entity back as local
     * changes. The engine applies them in order, in one transaction, through
     * {@link CrdtReplica#mutate}.
     *
     * <p><b>Contract</b> (checked by the conformance suite): applying the returned intents to a
     * replica whose {@link CrdtReplica#exportValue()} is {@code current} leaves it with an
     * {@code exportValue()} equal to {@code exported} and a {@link CrdtReplica#value()} equal to the
     * value of the replica that was exported. An empty list means nothing needs to change. Each
     * intent must be small enough for one write (values of at most 1 MiB): split long content.
     *
     * <p><b>Input:</b> {@code exported} comes from an export file and is untrusted: anything that is
     * not an export of this type is refused. Computing intents changes nothing; the engine calls this
     * for every line of an import before it writes any, so a refusal leaves the node as it was.
     *
     * <p>The default refuses with {@code type 'NAME' cannot import exported values}.
     *
     * @param context  this device's replica id and the installed types (for nested values)
     * @param current  the entity's current {@link CrdtReplica#exportValue()}, or a JSON null
     *                 ({@code NullNode}) when the entity does not exist here
     * @param exported the exported value to reach
     * @return the intents, in order; never null
     * @throws CrdtIntentException if this type cannot import, if {@code exported} is not an exported
     *                             value of this type, or if it cannot be reached from
     *                             {@code current} (a grow-only type cannot shrink); the message says
     *                             which
     * @since 0.1
     */
    default List<JsonNode> importIntents(ReplicaContext context, JsonNode current, JsonNode exported) throws CrdtIntentException {
        throw new CrdtIntentException("type '" + name() + "' cannot import exported values (it does not implement CrdtType.importIntents)");
    }
}
