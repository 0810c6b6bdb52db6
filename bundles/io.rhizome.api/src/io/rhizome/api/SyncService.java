package io.rhizome.api;

import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

import org.osgi.annotation.versioning.ProviderType;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The host application's entry point: write to namespaces, read converged values, watch changes,
 * see the status. Provided by {@code io.rhizome.core} as an OSGi service.
 *
 * <p><b>Writes</b> are operations on one entity (a key in a namespace) of the namespace's CRDT type.
 * The typed methods ({@link #put}, {@link #increment}, {@link #add}, {@link #insertText}, ...) are
 * shorthands for {@link #mutate} with the intent the built-in types understand; a type that does not
 * support an operation refuses it ({@link SyncException.Reason#WRONG_OPERATION}).
 *
 * <p><b>Threading:</b> every method is thread-safe and may be called from any thread.
 * <p><b>Durability:</b> when a write method returns, the write is in the node's durable log and
 * survives a crash of the process; it reaches peers whenever a transport allows (queued for as long
 * as needed, limited only by disk).
 * <p><b>Ordering:</b> writes from one thread are applied in call order; a {@link #transaction} is
 * applied as a whole, and reaches peers as a whole.
 * <p><b>Failure:</b> a request that cannot be carried out throws {@link SyncException} and writes
 * nothing — for a transaction, nothing of the whole transaction.
 * <p><b>Limits:</b> a key is a non-empty string of valid Unicode, at most 1,024 bytes in UTF-8
 * (namespace names follow {@link io.rhizome.spi.namespace.NamespaceDefinition}). Each value in an intent ({@code value}, {@code values}, {@code text}, ...) holds
 * valid Unicode only (no lone UTF-16 surrogate, in strings or member names), nests at most 64
 * levels of arrays and objects, has finite numbers of at most 1,000 characters, and is at most
 * 1 MiB as compact UTF-8 JSON. A write beyond them is refused with
 * {@link SyncException.Reason#INVALID_VALUE} ({@link SyncException.Reason#VALUE_TOO_LARGE} for
 * sizes); what is accepted is read back, exported and received by peers exactly as written.
 * {@link #delete} in a namespace that is neither declared nor holds data is refused with
 * {@link SyncException.Reason#UNKNOWN_NAMESPACE} (it would otherwise create the namespace).
 *
 * <p><b>Versioning:</b> Implemented by the engine ({@code io.rhizome.core}) only; host
 * applications and plugins call it: {@code @ProviderType}: a method may be added in a minor
 * version.
 *
 * @since 0.1
 */
@ProviderType
public interface SyncService {

    /** This node's device id. */
    String deviceId();

    /** A snapshot of the current synchronisation status. Never null. */
    SyncStatus status();

    /** Every namespace the node knows (declared, or holding data), available or not. */
    List<NamespaceInfo> namespaces();

    /**
     * Declares a namespace for the whole mesh: its CRDT type, scope and ACL class travel to every
     * device as a signed declaration (in the reserved namespace {@value #DECLARATIONS_NAMESPACE}),
     * so devices that have not declared the name adopt it. A local declaration (ConfigAdmin, a
     * {@code NamespaceProvider}) still wins on its own device; {@link NamespaceInfo#warning()}
     * shows the disagreement. Declaring the same definition again changes nothing; another scope
     * for a namespace with data is allowed (the scope decides only what is sent from now on).
     *
     * @throws SyncException {@link SyncException.Reason#CONFLICT} if the namespace holds data of
     *                       another CRDT type (nothing is declared: use a new name);
     *                       {@link SyncException.Reason#INVALID_VALUE} if the name is reserved or
     *                       the type is not installed (nothing is declared), or if the selective
     *                       predicate is malformed — then the declaration IS published and the
     *                       namespace is unavailable (writes refused, nothing sent) until it is
     *                       declared again with a valid predicate
     * @since 0.1
     */
    void declare(io.rhizome.spi.namespace.NamespaceDefinition definition);

    /**
     * Withdraws the mesh declaration of a namespace that holds no data; the name becomes
     * undeclared on every device that did not declare it locally.
     *
     * @return false if the mesh had no declaration of that name
     * @throws SyncException {@link SyncException.Reason#CONFLICT} if the namespace holds data: its
     *                       declaration stays, so that its writes keep reaching peers
     * @since 0.1
     */
    boolean undeclare(String namespace);

    /** The reserved namespace that carries namespace declarations; not writable directly. */
    String DECLARATIONS_NAMESPACE = "rhizome.namespaces";

    /** The current converged value of an entity, empty when it does not exist (or was deleted). */
    Optional<JsonNode> get(String namespace, String key);

    /** The keys of a namespace that have a value, sorted. */
    List<String> keys(String namespace);

    /**
     * The entity's value as an export writes it ({@code CrdtReplica.exportValue()} of the
     * namespace's type): the same as {@link #get} except for types whose value leaves out what an
     * import needs (the built-in {@code or-map} adds each key's nested type). Empty exactly when
     * {@link #get} is.
     *
     * @since 0.1
     */
    Optional<JsonNode> exportValue(String namespace, String key);

    /**
     * The intents that make the entity's exported value equal to {@code exported}, computed by the
     * namespace's CRDT type ({@code CrdtType.importIntents}) against the entity's current exported
     * value (a JSON null when the entity or the namespace does not exist yet); each is checked
     * against the limits of a write. Writes nothing: an import calls this for every line before it
     * writes any, then writes the intents with {@link #mutate} or a {@link #transaction}.
     *
     * @param crdtType the type the namespace will have, when the import declares it first; empty
     *                 for the type it has (or gets on its first write, if undeclared)
     * @return the intents, in order; empty when the entity already holds the value
     * @throws SyncException {@link SyncException.Reason#WRONG_OPERATION} naming the type if the type
     *                       cannot import, or cannot take this value (not an export of the type, a
     *                       grow-only type asked to shrink); {@link SyncException.Reason#INVALID_VALUE}
     *                       or {@link SyncException.Reason#VALUE_TOO_LARGE} for a bad name, key or
     *                       value; {@link SyncException.Reason#UNKNOWN_NAMESPACE} if the namespace
     *                       does not exist and cannot be created; nothing is written in any case
     * @since 0.1
     */
    List<JsonNode> importIntents(String namespace, String key, JsonNode exported, Optional<String> crdtType);

    /**
     * Applies an intent to an entity: a JSON object with an {@code "op"} field that the namespace's
     * CRDT type understands (see the type's documentation).
     */
    void mutate(String namespace, String key, JsonNode intent);

    /** Sets the whole value (registers, last-writer-wins maps): intent {@code {"op":"set","value":v}}. */
    void put(String namespace, String key, JsonNode value);

    /**
     * Deletes the entity's value with the intent its type says a delete is
     * ({@code CrdtType.deleteIntent()}): for the built-in registers {@code null}
     * ({@code {"op":"set","value":null}}); a type without a delete refuses it with
     * {@link SyncException.Reason#WRONG_OPERATION} naming the type (the built-in ones say what to
     * remove instead).
     */
    void delete(String namespace, String key);

    /**
     * Adds to a counter: {@code {"op":"increment","by":n}}; a negative {@code by} subtracts
     * ({@code {"op":"decrement","by":-n}}, PN-counters only).
     */
    void increment(String namespace, String key, long by);

    /** Adds an element to a set: {@code {"op":"add","value":v}}. */
    void add(String namespace, String key, JsonNode element);

    /** Removes an element from a set: {@code {"op":"remove","value":v}}. */
    void remove(String namespace, String key, JsonNode element);

    /** Sets a field of a map: {@code {"op":"set","key":field,"value":v}}. */
    void setField(String namespace, String key, String field, JsonNode value);

    /** Inserts text at a character index: {@code {"op":"insert","index":i,"text":t}}. */
    void insertText(String namespace, String key, int index, String text);

    /** Inserts values into a list: {@code {"op":"insert","index":i,"values":[...]}}. */
    void insertValues(String namespace, String key, int index, List<JsonNode> values);

    /** Deletes {@code count} elements or characters from {@code index}: {@code {"op":"delete","index":i,"count":n}}. */
    void deleteRange(String namespace, String key, int index, int count);

    /**
     * Runs {@code work} as one transaction: every write it makes through the given
     * {@link Transaction} is applied and made durable together, or none is. The function runs on
     * the calling thread; reads inside it see the state before the transaction.
     *
     * @return what {@code work} returned
     */
    <T> T transaction(Function<Transaction, T> work);

    /**
     * Registers a listener for changes to entities of {@code namespace} (or every namespace when
     * {@code null}), local and remote. Listeners are called on a Rhizome thread, in the order the
     * changes became durable, and must not block; exceptions they throw are logged and ignored.
     *
     * @return closes the registration
     */
    AutoCloseable addChangeListener(String namespace, Consumer<ChangeEvent> listener);

    /**
     * Registers a listener for streams that stop flowing to or from a peer (a refusal, with its
     * reason) and that flow again. Called on a notification thread of the engine, never while a
     * write is in progress; a listener that throws is logged and kept.
     *
     * @return closes the registration
     */
    AutoCloseable addStreamListener(Consumer<StreamEvent> listener);

    /**
     * This node's presence channel: ephemeral per-device states its paired peers see (never stored,
     * never in the log). Added in 0.1 after the first release of this interface; the default is for
     * implementations written before it.
     *
     * @throws UnsupportedOperationException from an implementation without presence
     * @since 0.1
     */
    default Presence presence() {
        throw new UnsupportedOperationException(getClass().getName() + " has no presence channel");
    }

    /** Asks every connected peer for what this node lacks and reconnects to known peers now. */
    void forceSync();

    /** Stops synchronising (closes links, stops transports); writes keep working and queue up. */
    void pauseSync();

    /** Resumes synchronising after {@link #pauseSync()}. */
    void resumeSync();

    /**
     * Connects to a peer at an address of a transport kind (a multiaddr for {@code libp2p}) and
     * remembers the address for reconnects. Whether the peer may sync is still the policy's decision.
     *
     * @return completes with the peer's authenticated device id, or exceptionally with an
     *         {@link java.io.IOException} saying why the connection failed
     * @since 0.1
     */
    java.util.concurrent.CompletionStage<String> connect(String transportKind, String address);

    /**
     * Forgets a peer: closes its links and drops its record (addresses, acknowledgements), so the
     * node no longer reconnects to it. Used when a device is revoked. Unknown ids are ignored.
     *
     * @since 0.1
     */
    void forgetPeer(String deviceId);

    /**
     * The writes of one transaction. Same meaning as the methods of {@link SyncService}; nothing is
     * applied until the transaction function returns. Implemented by the engine only:
     * {@code @ProviderType}.
     */
    @ProviderType
    interface Transaction {
        Transaction mutate(String namespace, String key, JsonNode intent);

        Transaction put(String namespace, String key, JsonNode value);

        Transaction delete(String namespace, String key);

        Transaction increment(String namespace, String key, long by);

        Transaction add(String namespace, String key, JsonNode element);

        Transaction remove(String namespace, String key, JsonNode element);

        Transaction setField(String namespace, String key, String field, JsonNode value);

        Transaction insertText(String namespace, String key, int index, String text);

        Transaction deleteRange(String namespace, String key, int index, int count);
    }
}
