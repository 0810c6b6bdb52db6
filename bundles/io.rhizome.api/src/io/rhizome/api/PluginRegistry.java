package io.rhizome.api;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/**
 * What plugins are installed right now. Provided by the engine ({@code io.rhizome.core}) as an OSGi
 * service; the REST API ({@code GET /api/v1/plugins}) and the Gogo command {@code rhizome:plugins}
 * show it.
 *
 * <p>Thread-safe. The answer is a snapshot: a plugin bundle started or stopped a moment later is
 * reflected by the next call, never by a returned list.
 *
 * <p><b>Versioning:</b> Implemented by the engine ({@code io.rhizome.core}) only; the REST API and
 * host applications call it: {@code @ProviderType}: a method may be added in a minor version.
 *
 * @since 0.1
 */
@ProviderType
public interface PluginRegistry {

    /** Every installed plugin, ordered by kind, then name, then descending ranking. Never null. */
    List<PluginInfo> plugins();

    /** The installed plugins of one kind, in the same order. Never null. */
    List<PluginInfo> plugins(PluginKind kind);
}
