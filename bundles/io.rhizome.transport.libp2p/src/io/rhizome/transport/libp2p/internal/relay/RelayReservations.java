package io.rhizome.transport.libp2p.internal.relay;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.transport.libp2p.internal.autonat.AutoNatService;
import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;

/**
 * Keeps a reservation on each configured relay (p2p.relays) while this node is not known to be
 * publicly reachable (AutoNAT): reserves at start, refreshes before
 * the reservation expires, and reserves again, with a growing back-off, after a refusal or when
 * the connection to the relay closes.
 *
 * <p>Thread-safe. {@link #close} stops the timers; reservations lapse on the relay.
 */
public final class RelayReservations implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RelayReservations.class);
    static final Duration MIN_RETRY = Duration.ofSeconds(1);
    static final Duration MAX_RETRY = Duration.ofSeconds(30);

    /** How often a public node checks whether it still is. */
    static final Duration PUBLIC_RECHECK = Duration.ofSeconds(30);

    private final RelayClient client;
    private final Supplier<AutoNatService.Reachability> reachability;
    private final Clock clock;
    private final ScheduledExecutorService timer;
    private final Map<Multiaddr, ScheduledFuture<?>> next = new ConcurrentHashMap<>();
    private final Map<Multiaddr, Duration> backoff = new ConcurrentHashMap<>();
    private volatile boolean closed;

    public RelayReservations(RelayClient client, List<Multiaddr> relays, Clock clock) {
        this(client, relays, clock, () -> AutoNatService.Reachability.UNKNOWN);
    }

    /** @param reachability reservations are made (and refreshed) only while it is not {@code PUBLIC} */
    public RelayReservations(RelayClient client, List<Multiaddr> relays, Clock clock,
            Supplier<AutoNatService.Reachability> reachability) {
        this.client = client;
        this.reachability = reachability;
        this.clock = clock;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "rhizome-relay-reservations");
            t.setDaemon(true);
            return t;
        });
        relays.forEach(r -> schedule(r, Duration.ZERO));
    }

    /**
     * Synchronized: a task may fail at once (the host not started yet) and schedule its retry on the
     * timer thread before the call that scheduled it has stored it; unsynchronized, that store then
     * replaced the retry and cancelled it, and the relay was never tried again.
     */
    private synchronized void schedule(Multiaddr relay, Duration delay) {
        if (closed) {
            return;
        }
        ScheduledFuture<?> f = timer.schedule(() -> reserve(relay), delay.toMillis(), TimeUnit.MILLISECONDS);
        ScheduledFuture<?> old = next.put(relay, f);
        if (old != null && old != f) {
            old.cancel(false);
        }
    }

    private void reserve(Multiaddr relay) {
        if (reachability.get() == AutoNatService.Reachability.PUBLIC) {
            // reachable directly (AutoNAT): no reservation; the held one lapses on the relay
            relay.peerId().ifPresent(client::forget);
            schedule(relay, PUBLIC_RECHECK);
            return;
        }
        client.reserve(relay).whenComplete((g, err) -> {
            if (closed) {
                return;
            }
            if (err != null) {
                Duration wait = backoff.merge(relay, MIN_RETRY, (a, b) -> a.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : a.multipliedBy(2));
                LOG.warn("no reservation on relay {} (retrying in {} s): {}", relay, wait.toSeconds(), err.getMessage());
                schedule(relay, wait);
                return;
            }
            backoff.remove(relay);
            Duration left = Duration.between(clock.instant(), g.expires());
            // refresh with a margin: a minute before expiry, or half-way for short reservations
            Duration refresh = left.compareTo(Duration.ofMinutes(2)) > 0 ? left.minusMinutes(1) : left.dividedBy(2);
            schedule(relay, refresh.compareTo(MIN_RETRY) < 0 ? MIN_RETRY : refresh);
            g.connection().closeFuture().thenRun(() -> {
                if (!closed && reachability.get() != AutoNatService.Reachability.PUBLIC) {
                    LOG.info("connection to relay {} closed; reserving again", relay);
                    schedule(relay, MIN_RETRY);
                }
            });
        });
    }

    @Override
    public void close() {
        closed = true;
        timer.shutdownNow();
    }
}
