package io.rhizome.core.internal.plugins;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import io.rhizome.api.PluginInfo;
import io.rhizome.api.PluginRegistry;

/** Gogo command {@code rhizome:plugins}: the installed plugins, one per line, and whether the engine uses each. */
@Component(service = PluginsCommand.class,
        property = { "osgi.command.scope=rhizome", "osgi.command.function=plugins" })
public class PluginsCommand {

    @Reference
    private PluginRegistry registry;

    public String plugins() {
        StringBuilder out = new StringBuilder(String.format("%-20s %-28s %-6s %-36s %s%n", "KIND", "NAME", "ACTIVE", "BUNDLE", "SERVICE"));
        for (PluginInfo p : registry.plugins()) {
            out.append(String.format("%-20s %-28s %-6s %-36s %d%n", p.kind().id(), p.name(), p.active() ? "yes" : "no", p.bundle() + " " + p.bundleVersion(),
                    p.serviceId()));
        }
        return out.toString();
    }
}
