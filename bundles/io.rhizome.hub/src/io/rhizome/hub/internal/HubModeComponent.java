package io.rhizome.hub.internal;

import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * Turns the hub on in a node started as a hub ({@code ./rhizome hub}, framework property
 * {@code rhizome.hub=true}): enables {@link HubKeysComponent} (the hub's key service, which
 * holds no mesh key) and {@link HubServerComponent}. In a device node both stay disabled and
 * this bundle only contributes the {@code hub} cloud kind ({@link HubStoreFactory}).
 */
@Component(immediate = true, service = {})
public final class HubModeComponent {

    public static final String HUB_PROPERTY = "rhizome.hub";

    @Activate
    void activate(ComponentContext context) {
        if (Boolean.parseBoolean(context.getBundleContext().getProperty(HUB_PROPERTY))) {
            context.enableComponent(HubKeysComponent.NAME);
            context.enableComponent(HubServerComponent.NAME);
        }
    }
}
