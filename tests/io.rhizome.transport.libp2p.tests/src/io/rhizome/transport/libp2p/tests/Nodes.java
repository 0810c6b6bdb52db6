package io.rhizome.transport.libp2p.tests;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import io.rhizome.spi.transport.MessageReceiver;
import io.rhizome.spi.transport.PeerLink;
import io.rhizome.transport.libp2p.internal.KeyServiceSigner;
import io.rhizome.transport.libp2p.internal.Libp2pConfig;
import io.rhizome.transport.libp2p.internal.Libp2pHost;
import io.rhizome.transport.libp2p.internal.Libp2pTransport;

/** Test helpers: loopback transports and hosts, and a receiver that records what arrives. */
final class Nodes {

    private Nodes() {
    }

    static Libp2pConfig config() {
        return Libp2pConfig.loopback("rhizome/test");
    }

    static Libp2pTransport transport() {
        return new Libp2pTransport(new KeyServiceSigner(TestKeys.random()), config());
    }

    static Libp2pHost host() {
        return new Libp2pHost(new KeyServiceSigner(TestKeys.random()), config());
    }

    /** Records messages and the close of one or more links. */
    static class Inbox implements MessageReceiver {
        final List<String> messages = new CopyOnWriteArrayList<>();
        final List<Optional<Throwable>> closes = new CopyOnWriteArrayList<>();
        final List<String> threads = new ArrayList<>();

        @Override
        public void message(PeerLink link, byte[] message) {
            messages.add(new String(message, java.nio.charset.StandardCharsets.UTF_8));
        }

        @Override
        public void closed(PeerLink link, Optional<Throwable> cause) {
            closes.add(cause);
        }
    }
}
