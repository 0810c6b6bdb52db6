package io.rhizome.api;

import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The host application's entry point: write to namespaces, read converged values, see the status.
 * Provided by {@code io.rhizome.core} as an OSGi service.
 *
 * <p><b>Threading:</b> every method is thread-safe and may be called from any thread.
 * <p><b>Durability:</b> when a write method returns, the write is in the node's durable log and
 * survives a crash of the process; it reaches peers whenever a transport allows.
 * <p><b>Failure:</b> a request that cannot be carried out throws {@link SyncException}
 * and writes nothing.
 *
 * <p>This is the skeleton the spine defines; the sync-engine work adds typed operations
 * (counters, sets, lists, text, transactions and change listeners).
 *
 * @since 0.1
 */
@ProviderType
public interface SyncService {

    /** This node's device id. */
    String deviceId();

    /** A snapshot of the current synchronisation status. Never null. */
    SyncStatus status();

    /** Every namespace the node knows, available or not. */
    List<NamespaceInfo> namespaces();

    /**
     * Sets the value of an entity (the namespace's CRDT type decides how concurrent writes merge).
     *
     * @throws SyncException if the namespace is unknown or unavailable, or its type has no
     *                       whole-value assignment
     */
    void put(String namespace, String key, JsonNode value);

    /** The current converged value of an entity, empty when it does not exist. */
    Optional<JsonNode> get(String namespace, String key);
}
