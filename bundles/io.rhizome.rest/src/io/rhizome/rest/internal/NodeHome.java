package io.rhizome.rest.internal;

import java.nio.file.Path;

import org.osgi.framework.BundleContext;

/** The node's home folder: framework property {@code rhizome.home}, default {@code ~/.rhizome}. */
final class NodeHome {

    static final String PROPERTY = "rhizome.home";

    private NodeHome() {
    }

    static Path resolve(BundleContext context) {
        String configured = context.getProperty(PROPERTY);
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath();
        }
        return Path.of(System.getProperty("user.home"), ".rhizome");
    }
}
