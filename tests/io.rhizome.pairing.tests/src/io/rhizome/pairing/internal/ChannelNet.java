package io.rhizome.pairing.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import io.rhizome.spi.transport.MessageReceiver;
import io.rhizome.spi.transport.PeerLink;
import io.rhizome.spi.transport.ProtocolChannels;
import io.rhizome.spi.transport.Rendezvous;
import io.rhizome.spi.transport.Transport;
import io.rhizome.spi.transport.TransportListener;

/**
 * An in-process network for pairing tests: each node's transport (kind {@code net}) serves
 * protocols at address {@code net:<name>}; channels are pairs of links delivering messages in
 * order on a per-link thread, naming each end by its device id (as an authenticating transport
 * would). Rendezvous keys are a shared map.
 */
final class ChannelNet {

    private final Map<String, Node> nodes = new ConcurrentHashMap<>();
    private final Map<String, List<String>> rendezvous = new ConcurrentHashMap<>();

    Node node(String name, String deviceId) {
        Node n = new Node(name, deviceId);
        nodes.put(name, n);
        return n;
    }

    final class Node implements Transport, ProtocolChannels, Rendezvous {
        volatile String name;
        final String deviceId;
        final Map<String, TransportListener> served = new ConcurrentHashMap<>();
        volatile boolean down;

        Node(String name, String deviceId) {
            this.name = name;
            this.deviceId = deviceId;
        }

        @Override
        public String kind() {
            return "net";
        }

        /** Listens at {@code net:<newName>} from now on, and no longer at the old address (a restart on another port). */
        void moveTo(String newName) {
            nodes.remove(name, this);
            name = newName;
            nodes.put(newName, this);
        }

        @Override
        public void start(TransportListener listener) {
        }

        @Override
        public void stop() {
        }

        @Override
        public CompletionStage<PeerLink> connect(String address) {
            return CompletableFuture.failedFuture(new IOException("sync is not part of this test network"));
        }

        @Override
        public List<String> listenAddresses() {
            return List.of("net:" + name);
        }

        @Override
        public void serve(String protocol, TransportListener handler) {
            served.put(protocol, handler);
        }

        @Override
        public void unserve(String protocol) {
            served.remove(protocol);
        }

        @Override
        public CompletionStage<PeerLink> open(String address, String protocol) {
            Node remote = address.startsWith("net:") ? nodes.get(address.substring(4)) : null;
            if (remote == null || remote.down || down) {
                return CompletableFuture.failedFuture(new IOException("nothing listens at " + address));
            }
            TransportListener h = remote.served.get(protocol);
            if (h == null) {
                return CompletableFuture.failedFuture(new IOException(address + " does not speak " + protocol));
            }
            Link mine = new Link(remote.deviceId);
            Link theirs = new Link(deviceId);
            mine.other = theirs;
            theirs.other = mine;
            h.inbound(theirs);
            return CompletableFuture.completedFuture(mine);
        }

        @Override
        public AutoCloseable advertise(String key) {
            rendezvous.computeIfAbsent(key, k -> new java.util.concurrent.CopyOnWriteArrayList<>()).add("net:" + name);
            return () -> rendezvous.getOrDefault(key, new ArrayList<>()).remove("net:" + name);
        }

        @Override
        public CompletionStage<List<String>> find(String key, Duration timeout) {
            return CompletableFuture.completedFuture(List.copyOf(rendezvous.getOrDefault(key, List.of())));
        }
    }

    static final class Link implements PeerLink {
        private final String remote;
        private final ExecutorService delivery = Executors.newSingleThreadExecutor();
        private final List<byte[]> held = new ArrayList<>();
        volatile Link other;
        private MessageReceiver receiver;
        private volatile boolean open = true;

        Link(String remote) {
            this.remote = remote;
        }

        @Override
        public String remotePeerId() {
            return remote;
        }

        @Override
        public String transportKind() {
            return "net";
        }

        @Override
        public int maxMessageSize() {
            return 1 << 20;
        }

        @Override
        public synchronized void receiver(MessageReceiver r) {
            receiver = r;
            for (byte[] m : held) {
                deliver(m);
            }
            held.clear();
        }

        private synchronized void arrive(byte[] m) {
            if (receiver == null) {
                held.add(m);
            } else {
                deliver(m);
            }
        }

        private void deliver(byte[] m) {
            MessageReceiver r = receiver;
            delivery.execute(() -> r.message(this, m));
        }

        @Override
        public CompletionStage<Void> send(byte[] message) {
            if (!open) {
                return CompletableFuture.failedFuture(new IOException("closed"));
            }
            other.arrive(message.clone());
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void close() {
            if (open) {
                open = false;
                other.remoteClosed();
                remoteClosed();
            }
        }

        private synchronized void remoteClosed() {
            open = false;
            MessageReceiver r = receiver;
            if (r != null) {
                delivery.execute(() -> r.closed(this, Optional.empty()));
            }
            delivery.shutdown();
        }
    }
}
