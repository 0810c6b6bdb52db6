package io.rhizome.core.internal.sync;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.rhizome.api.HeldBack;
import io.rhizome.api.PeerStatus;
import io.rhizome.api.SyncState;
import io.rhizome.api.SyncStatus;
import io.rhizome.core.internal.engine.Streams;
import io.rhizome.core.internal.engine.SyncEngine;
import io.rhizome.spi.namespace.NamespaceDefinition;
import io.rhizome.spi.namespace.SyncScope;
import io.rhizome.spi.policy.SyncPolicy;

/**
 * Builds a node's {@link SyncStatus} from what the orchestrator knows. The rules:
 * <ul>
 * <li><b>Pending</b> for a peer: change sets this node holds that the peer does not, in the
 * namespaces this node sends it (local-only namespaces and namespaces the policy keeps from it never
 * count); the node's figure is the largest over its peers; without peers, what this node wrote in
 * namespaces that sync.</li>
 * <li><b>Last sync</b> per peer: the last exchange that completed (a batch acknowledged either
 * way); the node's is the latest of them.</li>
 * <li><b>State</b>: offline without a transport or a connected peer; error while a stream is held
 * back or the clock is refused; otherwise syncing or idle.</li>
 * </ul>
 */
final class StatusReport {

    /** What the report reads from one peer. */
    record Peer(PeerRecord record, Optional<PeerSession> session, List<HeldBack> held) {
    }

    private final SyncEngine engine;
    private final Optional<SyncPolicy> policy;
    private final Map<String, Boolean> sentNamespaces = new HashMap<>();

    StatusReport(SyncEngine engine, Optional<SyncPolicy> policy) {
        this.engine = engine;
        this.policy = policy;
    }

    SyncStatus build(List<Peer> peers, boolean online, Optional<String> recentError, Optional<String> clockProblem,
            Optional<String> revoked) {
        Map<String, Long> mine = engine.versions();
        List<PeerStatus> statuses = new ArrayList<>();
        long pendingMax = 0;
        int connected = 0;
        boolean syncing = false;
        boolean heldBack = false;
        long lastSync = 0;
        List<Peer> sorted = new ArrayList<>(peers);
        sorted.sort(Comparator.comparing(p -> p.record().peerId()));
        for (Peer p : sorted) {
            PeerRecord r = p.record();
            boolean isConnected = p.session().map(PeerSession::isOpen).orElse(false);
            Map<String, Long> known = new HashMap<>(r.acked());
            // What a cloud folder holds for the peer is on its way: not pending on this device.
            engine.forwardedTo(r.peerId()).forEach((k, v) -> known.merge(k, v, Math::max));
            if (isConnected) {
                connected++;
                syncing |= p.session().get().isSyncing();
                p.session().get().known().forEach((k, v) -> known.merge(k, v, Math::max));
            }
            long pending = pendingFor(r.peerId(), mine, known);
            io.rhizome.api.SyncProgress progress = isConnected
                    ? p.session().get().progress(incomingFrom(mine, p.session().get().known(), p.held()), pending,
                            System.currentTimeMillis())
                    : io.rhizome.api.SyncProgress.NONE;
            pendingMax = Math.max(pendingMax, pending);
            heldBack |= !p.held().isEmpty();
            lastSync = Math.max(lastSync, r.lastSync());
            statuses.add(new PeerStatus(r.peerId(), isConnected,
                    isConnected ? Optional.of(p.session().get().link().transportKind()) : Optional.empty(),
                    r.lastSeen() > 0 ? Optional.of(Instant.ofEpochMilli(r.lastSeen())) : Optional.empty(), pending,
                    r.lastSync() > 0 ? Optional.of(Instant.ofEpochMilli(r.lastSync())) : Optional.empty(), p.held(), progress));
        }
        if (sorted.isEmpty()) {
            // No peer yet: what this device wrote exists nowhere else (local-only namespaces excepted).
            pendingMax = ownUnsent(mine);
        }
        SyncState state;
        if (!online || connected == 0) {
            state = recentError.isPresent() && connected == 0 && online || revoked.isPresent() ? SyncState.ERROR : SyncState.OFFLINE;
        } else if (heldBack || clockProblem.isPresent()) {
            state = SyncState.ERROR;
        } else {
            state = syncing ? SyncState.SYNCING : SyncState.IDLE;
        }
        return new SyncStatus(engine.deviceId(), state, online, lastSync > 0 ? Optional.of(Instant.ofEpochMilli(lastSync)) : Optional.empty(),
                pendingMax, connected, statuses, recentError, clockProblem, revoked);
    }

    private long ownUnsent(Map<String, Long> mine) {
        long pending = 0;
        for (Map.Entry<String, Long> e : mine.entrySet()) {
            if (Streams.author(e.getKey()).equals(engine.deviceId()) && syncs(Streams.namespace(e.getKey()))) {
                pending += e.getValue();
            }
        }
        return pending;
    }

    private boolean syncs(String namespace) {
        try {
            Optional<NamespaceDefinition> def = engine.catalog().resolve(namespace);
            return def.isPresent() && def.get().scope().kind() != SyncScope.Kind.LOCAL_ONLY;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Change sets this node holds and would send the peer, which the peer does not hold. */
    private long pendingFor(String peerId, Map<String, Long> mine, Map<String, Long> known) {
        long pending = 0;
        for (Map.Entry<String, Long> e : mine.entrySet()) {
            long lacks = e.getValue() - known.getOrDefault(e.getKey(), 0L);
            if (lacks > 0 && sends(peerId, Streams.namespace(e.getKey()))) {
                pending += lacks;
            }
        }
        return pending;
    }

    /**
     * Change sets the peer said it holds that this node lacks, of a namespace that syncs here and a
     * stream not held back coming in. An estimate: the peer may keep some from this node (its
     * policy), which only its end of the catch-up tells (see {@link PeerSession#progress}). The
     * policy is not asked here: asking is a decision, and the enterprise policy audits refusals.
     */
    private long incomingFrom(Map<String, Long> mine, Map<String, Long> peerHolds, List<HeldBack> held) {
        long incoming = 0;
        for (Map.Entry<String, Long> e : peerHolds.entrySet()) {
            long lacks = e.getValue() - mine.getOrDefault(e.getKey(), 0L);
            if (lacks <= 0) {
                continue;
            }
            String ns = Streams.namespace(e.getKey());
            String author = Streams.author(e.getKey());
            boolean isHeld = held.stream().anyMatch(h -> h.direction() == HeldBack.Direction.INCOMING && h.namespace().equals(ns)
                    && h.author().equals(author));
            if (!isHeld && syncs(ns)) {
                incoming += lacks;
            }
        }
        return incoming;
    }

    private boolean sends(String peerId, String namespace) {
        return sentNamespaces.computeIfAbsent(peerId + '\n' + namespace, k -> {
            if (!syncs(namespace)) {
                return false;
            }
            return policy.map(p -> p.canSend(peerId, namespace).allowed()).orElse(false);
        });
    }
}
