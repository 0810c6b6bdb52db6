package io.rhizome.core.tests.dynamic;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import io.rhizome.spi.transport.PeerLink;
import io.rhizome.spi.transport.Transport;
import io.rhizome.spi.transport.TransportListener;

/** A transport that reaches nobody; packaged into a bundle built at test time. */
public class LoopbackTestTransport implements Transport {

    @Override
    public String kind() {
        return "test-loopback";
    }

    @Override
    public void start(TransportListener listener) {
    }

    @Override
    public void stop() {
    }

    @Override
    public CompletionStage<PeerLink> connect(String address) {
        return CompletableFuture.failedFuture(new IOException("test-loopback reaches no peer: " + address));
    }

    @Override
    public List<String> listenAddresses() {
        return List.of();
    }
}
