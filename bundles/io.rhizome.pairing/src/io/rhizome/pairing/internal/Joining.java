package io.rhizome.pairing.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rhizome.api.PairingException;
import io.rhizome.api.PairingException.Reason;
import io.rhizome.api.PairingService.TrustedPeer;
import io.rhizome.spi.crypto.CryptoException;
import io.rhizome.spi.store.StoreException;
import io.rhizome.spi.transport.PeerLink;
import io.rhizome.spi.transport.ProtocolChannels;
import io.rhizome.spi.transport.Rendezvous;
import io.rhizome.spi.transport.Transport;

/**
 * The joining side of pairing: find the inviter (the address given, those in the join link, or
 * the local network), run the {@value Pairing#PAIR_PROTOCOL} exchange ({@link JoinerExchange}),
 * and take over the mesh it welcomes this device into (its keys, its members). Only a node that
 * holds no change sets joins: joining replaces its own mesh keys.
 */
final class Joining {

    private static final Logger LOG = LoggerFactory.getLogger(Joining.class);

    private final PairingParts parts;
    private final LongSupplier changeSets;
    /** The log's stream versions, when the engine tells them (a restored node's are all foreign). */
    private volatile java.util.function.Supplier<Optional<java.util.Map<String, Long>>> versions = Optional::empty;

    Joining(PairingParts parts, LongSupplier changeSets) {
        this.parts = parts;
        this.changeSets = changeSets;
    }

    void versions(java.util.function.Supplier<Optional<java.util.Map<String, Long>>> versions) {
        this.versions = versions;
    }

    /**
     * A node restored from a backup holds the mesh's change sets, none of its own, sealed under the
     * mesh's keys: it may join that mesh (and only a mesh whose welcome carries every key it holds).
     * Empty when the node may not join at all.
     */
    private Optional<List<io.rhizome.spi.crypto.KeyService.MeshKey>> keysToMatch(long head) {
        if (head == 0) {
            return Optional.of(List.of());
        }
        Optional<java.util.Map<String, Long>> v = versions.get();
        String self = "|" + parts.keys.deviceId();
        if (v.isEmpty() || v.get().keySet().stream().anyMatch(stream -> stream.endsWith(self))) {
            return Optional.empty();
        }
        List<io.rhizome.spi.crypto.KeyService.MeshKey> held = new ArrayList<>();
        for (long epoch : parts.keys.epochs()) {
            parts.keys.meshKey(epoch).ifPresent(held::add);
        }
        return Optional.of(held);
    }

    TrustedPeer join(String codeText, Optional<String> address, Duration timeout) {
        PairingCode.Parsed parsed = PairingCode.parseCodeOrUri(codeText);
        long head = changeSets.getAsLong();
        Optional<List<io.rhizome.spi.crypto.KeyService.MeshKey>> mustMatch = keysToMatch(head);
        if (mustMatch.isEmpty()) {
            throw new PairingException(Reason.NOT_EMPTY, "this node already holds " + head
                    + " change sets sealed under its own mesh key; join from a fresh home (export your data first with 'rhizome export' and import it after joining)");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Transport> ts = parts.awaitChannelTransports(timeout.compareTo(Invitations.TRANSPORT_WAIT) < 0 ? timeout : Invitations.TRANSPORT_WAIT);
        if (ts.isEmpty()) {
            throw new PairingException(Reason.NO_TRANSPORT, "no running transport can carry pairing (install and start io.rhizome.transport.libp2p)");
        }
        List<String> candidates = new ArrayList<>();
        address.ifPresent(candidates::add);
        if (candidates.isEmpty()) {
            candidates.addAll(parsed.addresses());
        }
        if (candidates.isEmpty()) {
            candidates.addAll(find(ts, parsed.code(), timeout));
            if (candidates.isEmpty()) {
                throw new PairingException(Reason.NOT_FOUND, "no device on the local network shows this code (looked for "
                        + timeout.toSeconds() + " s); check the code, or give the inviter's address with --addr");
            }
        }
        PairingException last = null;
        for (String candidate : candidates) {
            for (Transport t : ts) {
                try {
                    return joinAt((ProtocolChannels) t, t.kind(), candidate, parsed.code(), deadline, mustMatch.get(), head);
                } catch (PairingException e) {
                    if (e.reason() != Reason.UNREACHABLE) {
                        throw e;
                    }
                    last = e;
                }
            }
        }
        throw last != null ? last : new PairingException(Reason.UNREACHABLE, "no transport could reach " + candidates);
    }

    private List<String> find(List<Transport> ts, PairingCode code, Duration timeout) {
        List<CompletableFuture<List<String>>> searches = new ArrayList<>();
        for (Transport t : ts) {
            if (t instanceof Rendezvous r) {
                searches.add(r.find(code.rendezvousKey(), timeout).toCompletableFuture());
            }
        }
        LinkedHashSet<String> found = new LinkedHashSet<>();
        for (CompletableFuture<List<String>> f : searches) {
            try {
                found.addAll(f.get(timeout.toMillis() + 2000, TimeUnit.MILLISECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                LOG.debug("local-network search failed: {}", e.toString());
            }
        }
        return new ArrayList<>(found);
    }

    private TrustedPeer joinAt(ProtocolChannels channels, String kind, String address, PairingCode code, long deadline,
            List<io.rhizome.spi.crypto.KeyService.MeshKey> mustMatch, long head) {
        PeerLink link;
        try {
            link = channels.open(address, Pairing.PAIR_PROTOCOL).toCompletableFuture().get(remaining(deadline), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PairingException(Reason.UNREACHABLE, "interrupted while connecting to " + address);
        } catch (ExecutionException | TimeoutException e) {
            Throwable c = e instanceof ExecutionException ? e.getCause() : e;
            throw new PairingException(Reason.UNREACHABLE, "cannot reach " + address + ": " + (c.getMessage() == null ? c.toString() : c.getMessage()));
        }
        String inviter = link.remotePeerId();
        CompletableFuture<Welcome> result = new CompletableFuture<>();
        SerialChannel ch = new SerialChannel(link, parts.executor);
        JoinerExchange ex = new JoinerExchange(parts.keys.deviceId(), inviter, code, ch::send, parts.random);
        ch.start(new ChannelHandler() {
            @Override
            public boolean message(ObjectNode m) throws PairingProtocolException {
                try {
                    Welcome w = ex.onMessage(m);
                    if (w != null) {
                        result.complete(w);
                    }
                    return false;
                } catch (PairingException e) {
                    result.completeExceptionally(e);
                    return true;
                }
            }

            @Override
            public void failed(String why) {
                result.completeExceptionally(new PairingException(Reason.PROTOCOL, "pairing with " + inviter + " failed: " + why));
            }

            @Override
            public void closed() {
                result.completeExceptionally(new PairingException(Reason.UNREACHABLE, "the inviting device closed the connection"));
            }
        });
        parts.executor.execute(ex::start);
        Welcome welcome;
        try {
            welcome = result.get(remaining(deadline), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            link.close();
            throw new PairingException(Reason.UNREACHABLE, "interrupted while pairing");
        } catch (TimeoutException e) {
            link.close();
            throw new PairingException(Reason.UNREACHABLE, "the inviting device did not finish pairing in time");
        } catch (ExecutionException e) {
            link.close();
            throw e.getCause() instanceof PairingException pe ? pe : new PairingException(Reason.PROTOCOL, e.getCause().getMessage(), e.getCause());
        }
        if (!welcome.keys().containsAll(mustMatch)) {
            link.close();
            throw new PairingException(Reason.NOT_EMPTY, "this node holds " + head + " change sets restored from a backup of"
                    + " another mesh (the inviting device does not hold their keys); join that mesh, or restore into a fresh home");
        }
        try {
            parts.keys.joinMesh(welcome.keys());
            List<String> inviterAddrs = new ArrayList<>();
            inviterAddrs.add(kind + " " + address);
            welcome.addresses().stream().filter(a -> !inviterAddrs.contains(a)).forEach(inviterAddrs::add);
            parts.trusted.trust(new TrustedPeer(inviter, DeviceIds.fingerprint(inviter), parts.clock.getAsLong(), inviterAddrs, "joined"));
            parts.membership.rejoined();
            List<Announcement> announced = new ArrayList<>(welcome.announcements());
            for (Welcome.MeshMember m : welcome.members()) {
                if (!m.deviceId().equals(parts.keys.deviceId()) && !parts.trusted.isRevoked(m.deviceId())) {
                    parts.trusted.trust(new TrustedPeer(m.deviceId(), DeviceIds.fingerprint(m.deviceId()), parts.clock.getAsLong(), m.addresses(), "mesh"));
                    announced.addAll(m.announcements());
                }
            }
            parts.trusted.announce(announced);
        } catch (CryptoException | StoreException e) {
            link.close();
            throw new PairingException(Reason.STORAGE, "paired, but storing the mesh keys or the trusted device failed: " + e.getMessage(), e);
        }
        parts.executor.execute(() -> {
            ex.done(parts.ownAddresses(), parts.ownAnnouncements());
            parts.executor.schedule(link::close, 2, TimeUnit.SECONDS);
        });
        LOG.info("joined the mesh of device {} ({}); {} mesh key epoch(s), {} other device(s)", inviter, DeviceIds.fingerprint(inviter),
                welcome.keys().size(), welcome.members().size());
        parts.sync.connect(kind, address).whenComplete((id, failure) -> {
            if (failure != null) {
                LOG.warn("paired with {}, but the first sync connection failed: {} (the node retries)", inviter, failure.getMessage());
            }
        });
        return parts.trusted.get(inviter).orElseThrow();
    }

    private static long remaining(long deadline) {
        return Math.max(1, deadline - System.nanoTime());
    }
}
