package io.rhizome.api;

/**
 * The kinds of plugin a bundle can contribute at run time, one per SPI.
 *
 * @since 0.1
 */
public enum PluginKind {
    CRDT_TYPE("crdt-type"),
    TRANSPORT("transport"),
    ENCRYPTION_PROVIDER("encryption-provider"),
    KEY_SERVICE("key-service"),
    SYNC_POLICY("sync-policy"),
    REPLICA_STORE("replica-store"),
    NAMESPACE_PROVIDER("namespace-provider");

    private final String id;

    PluginKind(String id) {
        this.id = id;
    }

    /** The stable, lower-case identifier used in the REST API and the CLI. */
    public String id() {
        return id;
    }
}
