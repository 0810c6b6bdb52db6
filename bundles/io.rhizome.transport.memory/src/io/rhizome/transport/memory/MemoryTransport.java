package io.rhizome.transport.memory;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import io.rhizome.spi.transport.PeerLink;
import io.rhizome.spi.transport.Transport;
import io.rhizome.spi.transport.TransportListener;

/** One device's endpoint on a {@link MemoryNetwork}. */
public final class MemoryTransport implements Transport {

    private final MemoryNetwork network;
    private final String deviceId;
    private volatile TransportListener listener;

    MemoryTransport(MemoryNetwork network, String deviceId) {
        this.network = network;
        this.deviceId = deviceId;
    }

    public String deviceId() {
        return deviceId;
    }

    @Override
    public String kind() {
        return MemoryNetwork.KIND;
    }

    @Override
    public synchronized void start(TransportListener l) throws IOException {
        if (listener != null) {
            throw new IOException("memory transport of " + deviceId + " is already started");
        }
        network.listen(this);
        listener = l;
    }

    @Override
    public synchronized void stop() {
        if (listener != null) {
            listener = null;
            network.unlisten(this);
        }
    }

    @Override
    public CompletionStage<PeerLink> connect(String address) {
        if (listener == null) {
            return CompletableFuture.failedFuture(new IOException("memory transport of " + deviceId + " is not started"));
        }
        try {
            return CompletableFuture.completedFuture(network.dial(this, address));
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public List<String> listenAddresses() {
        return listener == null ? List.of() : List.of(MemoryNetwork.address(deviceId));
    }

    void accept(MemoryLink link) throws IOException {
        TransportListener l = listener;
        if (l == null) {
            throw new IOException("nobody listens at " + MemoryNetwork.address(deviceId));
        }
        l.inbound(link);
    }
}
