package io.rhizome.transport.wireguard.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.Map;
import java.util.Optional;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.spi.crypto.KeyService;
import io.rhizome.spi.policy.TrustedDevices;
import io.rhizome.spi.transport.Transport;
import io.rhizome.spi.transport.TransportDiagnostics;

/**
 * The WireGuard transport as an OSGi service. Registers the {@link Transport} itself (not through
 * DS) because its service properties say whether WireGuard can run here
 * ({@value #AVAILABLE_PROPERTY}, {@value #UNAVAILABLE_PROPERTY} with the reason), and the plugin
 * registry shows service properties: an operator sees "unavailable: no CAP_NET_ADMIN" next to the
 * plugin, and the other transports are not affected. With {@code wg.enabled=false} (the default)
 * nothing is registered.
 */
@Component(immediate = true, service = {}, configurationPid = "io.rhizome.transport.wireguard",
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = WireGuardTransportComponent.Config.class)
public final class WireGuardTransportComponent {

    public static final String AVAILABLE_PROPERTY = "wireguard.available";
    public static final String UNAVAILABLE_PROPERTY = "wireguard.unavailable";

    private static final Logger LOG = LoggerFactory.getLogger(WireGuardTransportComponent.class);

    @ObjectClassDefinition(name = "Rhizome WireGuard transport", description = "Sync over TCP inside a WireGuard mesh the node manages "
            + "(needs CAP_NET_ADMIN, /dev/net/tun and wireguard-go). Unset attributes fall back to the rhizome.wg.* framework properties.")
    public @interface Config {
        @AttributeDefinition(description = "Run the WireGuard transport: true or false (default false)", required = false)
        String wg_enabled() default "";

        @AttributeDefinition(description = "WireGuard interface name (default rhizome0)", required = false)
        String wg_interface() default "";

        @AttributeDefinition(description = "UDP port WireGuard listens on (default 51820)", required = false)
        String wg_port() default "";

        @AttributeDefinition(description = "TCP port of the sync listener inside the tunnel (default 7300)", required = false)
        String wg_syncPort() default "";

        @AttributeDefinition(description = "Persistent keepalive in seconds, 0 for none (default 25)", required = false)
        String wg_keepalive() default "";

        @AttributeDefinition(description = "Path of the wireguard-go binary (default /usr/bin/wireguard-go)", required = false)
        String wg_wireguardGo() default "";

        @AttributeDefinition(description = "The mesh id, the same on every device: tunnel addresses are derived from it", required = false)
        String wg_meshId() default "";

        @AttributeDefinition(description = "Devices configured by hand, overriding what pairing announced for them: "
                + "DEVICE_ID:PUBLIC_KEY[@ENDPOINT], comma-separated (paired devices need none)", required = false)
        String wg_peers() default "";

        @AttributeDefinition(description = "UDP endpoints this device announces to its mesh, IP:PORT comma-separated "
                + "(default: the addresses of its interfaces with wg.port)", required = false)
        String wg_endpoints() default "";
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private final List<TrustedDevices> trusted = new CopyOnWriteArrayList<>();

    private final MeshTransport transport;
    private final ServiceRegistration<?> registration;

    @Activate
    public WireGuardTransportComponent(BundleContext context, Map<String, Object> config, @Reference KeyService keys) {
        WireGuardSettings settings;
        try {
            settings = WireGuardSettings.parse(config, context::getProperty);
        } catch (IllegalArgumentException e) {
            LOG.error("WireGuard transport not started: {}", e.getMessage());
            throw e;
        }
        if (!settings.enabled()) {
            LOG.info("WireGuard transport disabled (wg.enabled=false)");
            transport = null;
            registration = null;
            return;
        }
        Optional<String> unavailable = WireGuardAvailability.check(settings.wireguardGo());
        String home = context.getProperty("rhizome.home");
        Path homePath = Path.of(home == null || home.isBlank() ? System.getProperty("user.home") + "/.rhizome" : home);
        transport = new MeshTransport(settings, keys.deviceId(), homePath, unavailable, CommandRunner.direct(Duration.ofSeconds(15)),
                new KeyServiceKeys(keys, homePath), new Members());
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(Transport.KIND_PROPERTY, transport.kind());
        props.put(AVAILABLE_PROPERTY, unavailable.isEmpty());
        unavailable.ifPresent(r -> props.put(UNAVAILABLE_PROPERTY, r));
        unavailable.ifPresentOrElse(r -> LOG.warn("WireGuard transport unavailable: {}", r),
                () -> LOG.info("WireGuard transport registered: interface {}, UDP port {}", settings.interfaceName(), settings.udpPort()));
        registration = context.registerService(new String[] { Transport.class.getName(), TransportDiagnostics.class.getName() }, transport, props);
    }

    /**
     * The mesh in the view of every {@link TrustedDevices} service: trusted by any, revoked by any
     * (revoked wins), the first non-empty WireGuard announcement; a service that throws counts as
     * "nothing known", as the SPI says.
     */
    private final class Members implements MeshMembers {
        @Override
        public java.util.Set<String> trusted() {
            java.util.Set<String> ids = new java.util.TreeSet<>();
            for (TrustedDevices t : trusted) {
                try {
                    ids.addAll(t.trustedDeviceIds());
                } catch (RuntimeException e) {
                    LOG.debug("TrustedDevices.trustedDeviceIds threw: {}", e.getMessage());
                }
            }
            return ids;
        }

        @Override
        public Map<String, String> announcement(String deviceId) {
            for (TrustedDevices t : trusted) {
                try {
                    Map<String, String> a = t.announcement(deviceId, io.rhizome.transport.wireguard.internal.tunnel.TunnelTransport.KIND);
                    if (a != null && !a.isEmpty()) {
                        return a;
                    }
                } catch (RuntimeException e) {
                    LOG.debug("TrustedDevices.announcement threw for {}: {}", deviceId, e.getMessage());
                }
            }
            return Map.of();
        }

        @Override
        public boolean revoked(String device) {
            for (TrustedDevices t : trusted) {
                try {
                    if (t.isRevoked(device)) {
                        return true;
                    }
                } catch (RuntimeException e) {
                    LOG.debug("TrustedDevices.isRevoked threw for {}: {}", device, e.getMessage());
                }
            }
            return false;
        }
    }

    @Deactivate
    void deactivate() {
        if (registration != null) {
            try {
                registration.unregister();
            } catch (IllegalStateException e) {
                LOG.debug("already unregistered");
            }
        }
        if (transport != null) {
            transport.stop();
        }
    }
}
