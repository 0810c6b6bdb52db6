package io.rhizome.pairing.internal;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rhizome.api.PairingException;
import io.rhizome.api.PairingException.Reason;
import io.rhizome.api.PairingService;
import io.rhizome.api.SyncService;
import io.rhizome.spi.crypto.CryptoException;
import io.rhizome.spi.crypto.KeyService;
import io.rhizome.spi.crypto.KeyService.MeshKey;
import io.rhizome.spi.store.ReplicaStore;
import io.rhizome.spi.store.StoreException;
import io.rhizome.spi.transport.MessageReceiver;
import io.rhizome.spi.transport.PeerLink;
import io.rhizome.spi.transport.ProtocolChannels;
import io.rhizome.spi.transport.Rendezvous;
import io.rhizome.spi.transport.Transport;
import io.rhizome.spi.transport.TransportListener;

/**
 * Pairing, the trusted-device list and mesh updates, over any transport that offers
 * {@link ProtocolChannels}. Plain Java: the DS component wires it; tests drive it directly.
 *
 * <p>Two protocols: {@value #PAIR_PROTOCOL} (J-PAKE exchange, see {@link InviterExchange}) and
 * {@value #MESH_PROTOCOL}: a trusted device pushes the mesh state (every mesh key epoch, trusted
 * devices with addresses, revoked devices) to the others after a change and every
 * {@value #MESH_PUSH_SECONDS} seconds until they acknowledged it; receivers accept it only from a
 * device they trust, never re-trust a device they know as revoked, and forward what was new to them.
 * Each device lists itself among the members with its current listen addresses, so a device that
 * moved (a restart on another port) is dialled where it is now.
 *
 * <p>A revoked device is told so, by the devices that refuse it, over the sync protocol (the
 * engine calls {@link MeshMembership#revokedBy}) and over the mesh protocol (a mesh update it pushes to a device
 * that revoked it is answered with the error code {@value #REVOKED_CODE}). Either notice counts only
 * from a device this one trusts; it is kept durably until this device pairs again, and meanwhile
 * this device pushes no mesh updates and its engine dials no one.
 */
public final class Pairing implements PairingService {

    public static final String PAIR_PROTOCOL = "/rhizome/pair/1.0.0";
    public static final String MESH_PROTOCOL = "/rhizome/mesh/1.0.0";
    static final int MESH_PUSH_SECONDS = 30;
    /** The mesh-protocol error code that tells a device it was revoked. */
    static final String REVOKED_CODE = "revoked";
    /** After a transport appears: announce this device's (possibly new) addresses soon, not in 30 s. */
    static final int ANNOUNCE_AFTER_START_SECONDS = 5;
    private static final Logger LOG = LoggerFactory.getLogger(Pairing.class);

    private final KeyService keys;
    private final ReplicaStore store;
    private final SyncService sync;
    private final Supplier<List<Transport>> transports;
    private final ScheduledExecutorService executor;
    private final LongSupplier clock;
    private final SecureRandom random = new SecureRandom();
    private final TrustedStore trusted;
    private final MeshMembership membership;
    /** Mesh state version each peer acknowledged (in memory: after a restart everyone is told once). */
    private final Map<String, String> acknowledged = new ConcurrentHashMap<>();
    private final Set<String> pushing = ConcurrentHashMap.newKeySet();
    private volatile ActiveInvitation invitation;
    private final List<AutoCloseable> advertisements = new ArrayList<>();

    public Pairing(KeyService keys, ReplicaStore store, SyncService sync, Supplier<List<Transport>> transports,
            ScheduledExecutorService executor, LongSupplier clock) throws StoreException {
        this.keys = keys;
        this.store = store;
        this.sync = sync;
        this.transports = transports;
        this.executor = executor;
        this.clock = clock;
        this.trusted = new TrustedStore(store);
        this.membership = new MeshMembership(trusted);
        executor.scheduleWithFixedDelay(this::pushMeshSafely, MESH_PUSH_SECONDS, MESH_PUSH_SECONDS, TimeUnit.SECONDS);
    }

    // ------------------------------------------------------------------ transports

    /** Serves the pairing and mesh protocols on a transport that can carry them. */
    public void transportAdded(Transport t) {
        if (t instanceof ProtocolChannels pc) {
            pc.serve(PAIR_PROTOCOL, inboundPair());
            pc.serve(MESH_PROTOCOL, inboundMesh());
            executor.schedule(this::pushMeshSafely, ANNOUNCE_AFTER_START_SECONDS, TimeUnit.SECONDS);
        }
    }

    public void transportRemoved(Transport t) {
        if (t instanceof ProtocolChannels pc) {
            pc.unserve(PAIR_PROTOCOL);
            pc.unserve(MESH_PROTOCOL);
        }
    }

    private List<Transport> channelTransports() {
        return transports.get().stream().filter(t -> t instanceof ProtocolChannels).toList();
    }

    private List<String> ownAddresses() {
        List<String> out = new ArrayList<>();
        for (Transport t : channelTransports()) {
            for (String a : t.listenAddresses()) {
                out.add(t.kind() + " " + a);
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ TrustedDevices

    /** The trusted devices as the engine and the policy see them (the {@code TrustedDevices} service). */
    public MeshMembership membership() {
        return membership;
    }

    // ------------------------------------------------------------------ inviting

    @Override
    public synchronized Invitation invite() {
        List<Transport> ts = channelTransports();
        if (ts.isEmpty()) {
            throw new PairingException(Reason.NO_TRANSPORT, "no running transport can carry pairing (install and start io.rhizome.transport.libp2p)");
        }
        cancelInvitation();
        PairingCode code = PairingCode.random(random);
        List<String> addrs = new ArrayList<>();
        StringBuilder uri = new StringBuilder("rhizome:join?code=").append(code.display());
        for (Transport t : ts) {
            for (String a : t.listenAddresses()) {
                addrs.add(a);
                uri.append("&addr=").append(URLEncoder.encode(a, StandardCharsets.UTF_8));
            }
        }
        ActiveInvitation inv = new ActiveInvitation(code, clock.getAsLong(), addrs, uri.toString(), clock);
        invitation = inv;
        for (Transport t : ts) {
            if (t instanceof Rendezvous r) {
                try {
                    advertisements.add(r.advertise(code.rendezvousKey()));
                } catch (java.io.IOException | RuntimeException e) {
                    LOG.warn("cannot announce the invitation on the local network over '{}': {}; joiners need --addr", t.kind(), e.getMessage());
                }
            }
        }
        executor.schedule(() -> stopAdvertising(inv), ActiveInvitation.LIFETIME_MILLIS, TimeUnit.MILLISECONDS);
        LOG.info("pairing invitation created, valid for 5 minutes");
        return inv.view();
    }

    @Override
    public Optional<Invitation> invitation() {
        ActiveInvitation inv = invitation;
        return inv == null ? Optional.empty() : Optional.of(inv.view());
    }

    @Override
    public synchronized void cancelInvitation() {
        ActiveInvitation inv = invitation;
        if (inv != null) {
            inv.cancel();
            stopAdvertising(inv);
        }
    }

    private synchronized void stopAdvertising(ActiveInvitation inv) {
        if (inv != invitation) {
            return;
        }
        for (AutoCloseable a : advertisements) {
            try {
                a.close();
            } catch (Exception e) {
                LOG.debug("closing an advertisement failed", e);
            }
        }
        advertisements.clear();
    }

    private TransportListener inboundPair() {
        return link -> {
            String remote = link.remotePeerId();
            SerialChannel ch = new SerialChannel(link, executor);
            InviterExchange ex = new InviterExchange(keys.deviceId(), remote, new InviterExchange.Host() {
                @Override
                public ActiveInvitation invitation() {
                    return invitation;
                }

                @Override
                public Welcome welcome() {
                    return new Welcome(allKeys(), members(remote), ownAddresses());
                }

                @Override
                public void paired(String deviceId) throws Exception {
                    trusted.trust(new TrustedPeer(deviceId, DeviceIds.fingerprint(deviceId), clock.getAsLong(), List.of(), "invited"));
                    membership.rejoined();
                    LOG.info("device {} ({}) paired with this device using the invitation", deviceId, DeviceIds.fingerprint(deviceId));
                    executor.execute(() -> stopAdvertising(invitation));
                }

                @Override
                public void joinerAddresses(String deviceId, List<String> addresses) {
                    try {
                        trusted.addAddresses(deviceId, addresses);
                    } catch (StoreException e) {
                        LOG.warn("cannot store the addresses of {}: {}", deviceId, e.getMessage());
                    }
                    meshChanged();
                }
            }, ch::send, random);
            ch.start(new ChannelHandler() {
                @Override
                public boolean message(ObjectNode m) throws PairingProtocolException {
                    return ex.onMessage(m);
                }

                @Override
                public void closed() {
                    ex.end();
                }
            });
        };
    }

    private List<MeshKey> allKeys() {
        List<MeshKey> out = new ArrayList<>();
        for (long e : keys.epochs()) {
            keys.meshKey(e).ifPresent(out::add);
        }
        return out;
    }

    private List<Welcome.MeshMember> members(String except) {
        return trusted.all().stream().filter(p -> !p.deviceId().equals(except))
                .map(p -> new Welcome.MeshMember(p.deviceId(), p.addresses())).toList();
    }

    // ------------------------------------------------------------------ joining

    @Override
    public TrustedPeer join(String codeText, Optional<String> address, Duration timeout) {
        PairingCode.Parsed parsed = PairingCode.parseCodeOrUri(codeText);
        long head = store.head();
        if (head > 0) {
            throw new PairingException(Reason.NOT_EMPTY, "this node already holds " + head
                    + " change sets sealed under its own mesh key; join from a fresh home (export your data first with 'rhizome export' and import it after joining)");
        }
        List<Transport> ts = channelTransports();
        if (ts.isEmpty()) {
            throw new PairingException(Reason.NO_TRANSPORT, "no running transport can carry pairing (install and start io.rhizome.transport.libp2p)");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
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
                    return joinAt((ProtocolChannels) t, t.kind(), candidate, parsed.code(), deadline);
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

    private TrustedPeer joinAt(ProtocolChannels channels, String kind, String address, PairingCode code, long deadline) {
        PeerLink link;
        try {
            link = channels.open(address, PAIR_PROTOCOL).toCompletableFuture().get(remaining(deadline), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PairingException(Reason.UNREACHABLE, "interrupted while connecting to " + address);
        } catch (ExecutionException | TimeoutException e) {
            Throwable c = e instanceof ExecutionException ? e.getCause() : e;
            throw new PairingException(Reason.UNREACHABLE, "cannot reach " + address + ": " + (c.getMessage() == null ? c.toString() : c.getMessage()));
        }
        String inviter = link.remotePeerId();
        CompletableFuture<Welcome> result = new CompletableFuture<>();
        SerialChannel ch = new SerialChannel(link, executor);
        JoinerExchange ex = new JoinerExchange(keys.deviceId(), inviter, code, ch::send, random);
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
        executor.execute(ex::start);
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
        try {
            keys.joinMesh(welcome.keys());
            List<String> inviterAddrs = new ArrayList<>();
            inviterAddrs.add(kind + " " + address);
            welcome.addresses().stream().filter(a -> !inviterAddrs.contains(a)).forEach(inviterAddrs::add);
            trusted.trust(new TrustedPeer(inviter, DeviceIds.fingerprint(inviter), clock.getAsLong(), inviterAddrs, "joined"));
            membership.rejoined();
            for (Welcome.MeshMember m : welcome.members()) {
                if (!m.deviceId().equals(keys.deviceId()) && !trusted.isRevoked(m.deviceId())) {
                    trusted.trust(new TrustedPeer(m.deviceId(), DeviceIds.fingerprint(m.deviceId()), clock.getAsLong(), m.addresses(), "mesh"));
                }
            }
        } catch (CryptoException | StoreException e) {
            link.close();
            throw new PairingException(Reason.STORAGE, "paired, but storing the mesh keys or the trusted device failed: " + e.getMessage(), e);
        }
        executor.execute(() -> {
            ex.done(ownAddresses());
            executor.schedule(link::close, 2, TimeUnit.SECONDS);
        });
        LOG.info("joined the mesh of device {} ({}); {} mesh key epoch(s), {} other device(s)", inviter, DeviceIds.fingerprint(inviter),
                welcome.keys().size(), welcome.members().size());
        sync.connect(kind, address).whenComplete((id, failure) -> {
            if (failure != null) {
                LOG.warn("paired with {}, but the first sync connection failed: {} (the node retries)", inviter, failure.getMessage());
            }
        });
        return trusted.get(inviter).orElseThrow();
    }

    private static long remaining(long deadline) {
        return Math.max(1, deadline - System.nanoTime());
    }

    // ------------------------------------------------------------------ trusted devices

    @Override
    public List<TrustedPeer> trustedPeers() {
        return trusted.all();
    }

    @Override
    public void revoke(String deviceId) {
        if (!trusted.isTrusted(deviceId)) {
            throw new PairingException(Reason.UNKNOWN_PEER, "device " + deviceId + " is not a trusted device of this node (see 'rhizome peers')");
        }
        MeshKey next;
        try {
            trusted.revoke(deviceId, clock.getAsLong());
            next = keys.rotateMeshKey();
        } catch (StoreException | CryptoException e) {
            throw new PairingException(Reason.STORAGE, "revoking " + deviceId + " failed: " + e.getMessage(), e);
        }
        sync.forgetPeer(deviceId);
        LOG.warn("device {} revoked; new writes use mesh key epoch {}", deviceId, next.epoch());
        meshChanged();
    }

    // ------------------------------------------------------------------ mesh updates

    private void meshChanged() {
        executor.execute(this::pushMeshSafely);
    }

    private ObjectNode meshState() {
        ObjectNode m = Wire.message("mesh");
        Welcome.keys(m.putArray("keys"), allKeys());
        List<Welcome.MeshMember> members = new ArrayList<>(members(null));
        members.add(new Welcome.MeshMember(keys.deviceId(), ownAddresses()));
        Welcome.members(m.putArray("members"), members);
        var r = m.putArray("revoked");
        trusted.revokedIds().stream().sorted().forEach(r::add);
        return m;
    }

    private static String version(ObjectNode state) {
        return java.util.HexFormat.of().formatHex(sha256(Wire.encode(state)));
    }

    private static byte[] sha256(byte[] b) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(b);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void pushMeshSafely() {
        try {
            pushMesh();
        } catch (RuntimeException e) {
            LOG.warn("mesh update failed: {}", e.toString());
        }
    }

    private void pushMesh() {
        if (trusted.selfRevoked().isPresent()) {
            return; // out of the mesh: nobody wants this device's updates, so do not dial them
        }
        ObjectNode state = meshState();
        String version = version(state);
        for (TrustedPeer p : trusted.all()) {
            if (version.equals(acknowledged.get(p.deviceId())) || !pushing.add(p.deviceId())) {
                continue;
            }
            pushTo(p, state, version, new ArrayList<>(p.addresses()), 0);
        }
    }

    private void pushTo(TrustedPeer p, ObjectNode state, String version, List<String> addresses, int index) {
        if (index >= addresses.size()) {
            pushing.remove(p.deviceId());
            return;
        }
        String[] kindAddr = addresses.get(index).split(" ", 2);
        Optional<Transport> t = channelTransports().stream().filter(x -> kindAddr.length == 2 && x.kind().equals(kindAddr[0])).findFirst();
        if (t.isEmpty()) {
            pushTo(p, state, version, addresses, index + 1);
            return;
        }
        ((ProtocolChannels) t.get()).open(kindAddr[1], MESH_PROTOCOL).whenComplete((link, failure) -> {
            if (failure != null) {
                LOG.debug("mesh update to {} at {} failed: {}", p.deviceId(), kindAddr[1], failure.getMessage());
                pushTo(p, state, version, addresses, index + 1);
                return;
            }
            if (!link.remotePeerId().equals(p.deviceId())) {
                LOG.warn("the device at {} is {}, not {}; not sending it the mesh state", kindAddr[1], link.remotePeerId(), p.deviceId());
                link.close();
                pushTo(p, state, version, addresses, index + 1);
                return;
            }
            SerialChannel ch = new SerialChannel(link, executor);
            ch.start(new ChannelHandler() {
                @Override
                public boolean message(ObjectNode m) {
                    if (m.path("t").asText().equals("ok")) {
                        acknowledged.put(p.deviceId(), version);
                        LOG.info("device {} has the current mesh state", p.deviceId());
                    } else if (m.path("code").asText().equals(REVOKED_CODE)) {
                        // the channel is authenticated as p, a device trusted here (checked above)
                        membership.revokedBy(p.deviceId(), java.time.Instant.ofEpochMilli(clock.getAsLong()));
                    } else {
                        LOG.warn("device {} refused the mesh update: {}", p.deviceId(), m.path("message").asText(m.toString()));
                    }
                    return true;
                }

                @Override
                public void closed() {
                    pushing.remove(p.deviceId());
                    // the state may have changed while this push was in flight (pushes to a peer
                    // already being pushed to are skipped): push again if so
                    if (!version.equals(version(meshState()))) {
                        meshChanged();
                    }
                }
            });
            ch.send(state);
        });
    }

    private TransportListener inboundMesh() {
        return link -> {
            String remote = link.remotePeerId();
            SerialChannel ch = new SerialChannel(link, executor);
            ch.start(new ChannelHandler() {
                @Override
                public boolean message(ObjectNode m) throws PairingProtocolException {
                    if (membership.isRevoked(remote)) {
                        LOG.info("refused a mesh update from {}: it was revoked; telling it so", remote);
                        ch.send(Wire.error(REVOKED_CODE, "device " + remote + " was revoked from this mesh; pair it again to rejoin"));
                        return true;
                    }
                    if (!trusted.isTrusted(remote)) {
                        LOG.warn("refused a mesh update from {}: not a trusted device", remote);
                        ch.send(Wire.error("untrusted", "device " + remote + " is not trusted here"));
                        return true;
                    }
                    if (!m.path("t").asText().equals("mesh")) {
                        throw new PairingProtocolException("expected a 'mesh' message");
                    }
                    try {
                        applyMesh(remote, m);
                        ch.send(Wire.message("ok"));
                    } catch (CryptoException | StoreException e) {
                        ch.send(Wire.error("refused", e.getMessage()));
                    }
                    return true;
                }
            });
        };
    }

    /** Validates a whole mesh update first, then applies it. */
    private void applyMesh(String from, ObjectNode m) throws PairingProtocolException, CryptoException, StoreException {
        String before = version(meshState());
        applyMeshUpdate(from, m);
        if (!before.equals(version(meshState()))) {
            meshChanged();
        }
    }

    private void applyMeshUpdate(String from, ObjectNode m) throws PairingProtocolException, CryptoException, StoreException {
        List<MeshKey> ks = Welcome.keys(m.get("keys"));
        List<Welcome.MeshMember> members = Welcome.members(m.get("members"));
        List<String> revoked = new ArrayList<>();
        var r = m.get("revoked");
        if (r != null) {
            for (var n : r) {
                if (!DeviceIds.valid(n.asText())) {
                    throw new PairingProtocolException("'" + n.asText() + "' in 'revoked' is not a device id");
                }
                revoked.add(n.asText());
            }
        }
        for (MeshKey k : ks) {
            Optional<MeshKey> held = keys.meshKey(k.epoch());
            if (held.isPresent() && !held.get().equals(k)) {
                throw new CryptoException("mesh key epoch " + k.epoch() + " from " + from + " differs from the one held here (two devices rotated at once?)");
            }
        }
        for (String id : revoked) {
            if (id.equals(keys.deviceId()) || trusted.isRevoked(id)) {
                continue;
            }
            trusted.revoke(id, clock.getAsLong());
            sync.forgetPeer(id);
            LOG.warn("device {} was revoked by {}", id, from);
        }
        for (MeshKey k : ks) {
            if (keys.meshKey(k.epoch()).isEmpty()) {
                keys.installMeshKey(k);
                LOG.info("mesh key epoch {} received from {}", k.epoch(), from);
            }
        }
        for (Welcome.MeshMember mm : members) {
            if (mm.deviceId().equals(keys.deviceId()) || trusted.isRevoked(mm.deviceId())) {
                continue;
            }
            if (!trusted.isTrusted(mm.deviceId())) {
                trusted.trust(new TrustedPeer(mm.deviceId(), DeviceIds.fingerprint(mm.deviceId()), clock.getAsLong(), mm.addresses(), "mesh"));
                LOG.info("device {} joined the mesh (told by {})", mm.deviceId(), from);
            } else if (!mm.addresses().isEmpty()) {
                trusted.addAddresses(mm.deviceId(), mm.addresses());
            }
        }
    }

    public void close() {
        cancelInvitation();
    }
}
