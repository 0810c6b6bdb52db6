package io.rhizome.api;

import java.util.Map;
import java.util.Objects;

/**
 * One installed plugin service, as seen by the engine's registries.
 *
 * @param kind        which SPI the service implements
 * @param name        the value of the SPI's selecting property (for example {@code crdt.type=or-set}),
 *                    or the implementation class name where the SPI has no such property
 * @param bundle      symbolic name of the bundle that registered the service
 * @param bundleVersion version of that bundle
 * @param serviceId   the framework's {@code service.id}
 * @param ranking     the {@code service.ranking} (0 when absent)
 * @param properties  the service properties that are strings, numbers or booleans (no secrets are
 *                    ever put in service properties)
 * @param active      whether the engine uses this service now: of the services of one kind (of one
 *                    name, for CRDT types) the one with the highest ranking, then the lowest
 *                    service id; every transport and namespace provider is active, since all are
 *                    used at once
 * @since 0.1
 */
public record PluginInfo(PluginKind kind, String name, String bundle, String bundleVersion,
                         long serviceId, int ranking, Map<String, Object> properties, boolean active) {
    public PluginInfo {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(bundle, "bundle");
        bundleVersion = bundleVersion == null ? "" : bundleVersion;
        properties = Map.copyOf(properties);
    }
}
