package io.rhizome.transport.memory.internal;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletionStage;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import io.rhizome.spi.transport.PeerLink;
import io.rhizome.spi.transport.Transport;
import io.rhizome.spi.transport.TransportListener;
import io.rhizome.transport.memory.MemoryNetwork;
import io.rhizome.transport.memory.MemoryTransport;

/**
 * The {@code memory} transport as a service: joins the {@link MemoryNetwork} service as the
 * configured device. Exists only while configured (PID {@code io.rhizome.transport.memory}).
 */
@Component(service = Transport.class, configurationPid = "io.rhizome.transport.memory", configurationPolicy = ConfigurationPolicy.REQUIRE,
        property = Transport.KIND_PROPERTY + "=" + MemoryNetwork.KIND)
@Designate(ocd = MemoryTransportComponent.Config.class)
public class MemoryTransportComponent implements Transport {

    @ObjectClassDefinition(name = "Rhizome in-memory transport", description = "Joins an in-process memory network.")
    public @interface Config {
        @AttributeDefinition(name = "Device id", description = "The device id this endpoint authenticates as: the node's device id.")
        String device_id();
    }

    @Reference
    private MemoryNetwork network;

    private MemoryTransport endpoint;

    @Activate
    void activate(Config config) {
        endpoint = network.endpoint(config.device_id());
    }

    @Deactivate
    void deactivate() {
        endpoint.stop();
    }

    @Override
    public String kind() {
        return MemoryNetwork.KIND;
    }

    @Override
    public void start(TransportListener listener) throws IOException {
        endpoint.start(listener);
    }

    @Override
    public void stop() {
        endpoint.stop();
    }

    @Override
    public CompletionStage<PeerLink> connect(String address) {
        return endpoint.connect(address);
    }

    @Override
    public List<String> listenAddresses() {
        return endpoint.listenAddresses();
    }
}
