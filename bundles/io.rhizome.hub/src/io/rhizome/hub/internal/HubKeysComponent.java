package io.rhizome.hub.internal;

import java.io.IOException;
import java.nio.file.Path;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

import io.rhizome.spi.crypto.KeyService;

/** Registers the hub's {@link HubKeys} as the node's {@link KeyService} (hub mode only). */
@Component(name = HubKeysComponent.NAME, enabled = false, immediate = true, service = {})
public final class HubKeysComponent {

    static final String NAME = "io.rhizome.hub.keys";

    private ServiceRegistration<KeyService> registration;

    @Activate
    void activate(BundleContext context) throws IOException {
        Path home = HubServerComponent.home(context);
        registration = context.registerService(KeyService.class, HubKeys.open(home.resolve("hub").resolve("identity.key")), null);
    }

    @Deactivate
    void deactivate() {
        registration.unregister();
    }
}
