package io.rhizome.pairing.internal;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rhizome.api.PairingException;
import io.rhizome.api.PairingException.Reason;
import io.rhizome.api.PairingService.Invitation;
import io.rhizome.api.PairingService.TrustedPeer;
import io.rhizome.spi.store.StoreException;
import io.rhizome.spi.transport.Rendezvous;
import io.rhizome.spi.transport.Transport;
import io.rhizome.spi.transport.TransportListener;

/**
 * The inviting side of pairing: the one active invitation (its code announced on the local network
 * while it lasts) and the {@value Pairing#PAIR_PROTOCOL} exchanges that try it
 * ({@link InviterExchange}); a joiner that succeeds is trusted and welcomed with the mesh state.
 */
final class Invitations {

    private static final Logger LOG = LoggerFactory.getLogger(Invitations.class);

    private final PairingParts parts;
    private final Runnable meshChanged;
    private volatile ActiveInvitation invitation;
    private final List<AutoCloseable> advertisements = new ArrayList<>();

    Invitations(PairingParts parts, Runnable meshChanged) {
        this.parts = parts;
        this.meshChanged = meshChanged;
    }

    /** How long an invitation waits for a transport of a node that is still starting. */
    static final Duration TRANSPORT_WAIT = Duration.ofSeconds(15);

    synchronized Invitation invite() {
        List<Transport> ts = parts.awaitChannelTransports(TRANSPORT_WAIT);
        if (ts.isEmpty()) {
            throw new PairingException(Reason.NO_TRANSPORT, "no running transport can carry pairing (install and start io.rhizome.transport.libp2p)");
        }
        cancelInvitation();
        PairingCode code = PairingCode.random(parts.random);
        List<String> addrs = new ArrayList<>();
        StringBuilder uri = new StringBuilder("rhizome:join?code=").append(code.display());
        for (Transport t : ts) {
            for (String a : t.listenAddresses()) {
                addrs.add(a);
                uri.append("&addr=").append(URLEncoder.encode(a, StandardCharsets.UTF_8));
            }
        }
        ActiveInvitation inv = new ActiveInvitation(code, parts.clock.getAsLong(), addrs, uri.toString(), parts.clock);
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
        parts.executor.schedule(() -> stopAdvertising(inv), ActiveInvitation.LIFETIME_MILLIS, TimeUnit.MILLISECONDS);
        LOG.info("pairing invitation created, valid for 5 minutes");
        return inv.view();
    }

    Optional<Invitation> invitation() {
        ActiveInvitation inv = invitation;
        return inv == null ? Optional.empty() : Optional.of(inv.view());
    }

    synchronized void cancelInvitation() {
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

    /** The listener for inbound {@value Pairing#PAIR_PROTOCOL} channels. */
    TransportListener inbound() {
        return link -> {
            String remote = link.remotePeerId();
            SerialChannel ch = new SerialChannel(link, parts.executor);
            InviterExchange ex = new InviterExchange(parts.keys.deviceId(), remote, new InviterExchange.Host() {
                @Override
                public ActiveInvitation invitation() {
                    return invitation;
                }

                @Override
                public Welcome welcome() {
                    return new Welcome(parts.allKeys(), parts.members(remote), parts.ownAddresses(), parts.ownAnnouncements());
                }

                @Override
                public void paired(String deviceId) throws Exception {
                    parts.trusted.trust(new TrustedPeer(deviceId, DeviceIds.fingerprint(deviceId), parts.clock.getAsLong(), List.of(), "invited"));
                    parts.membership.rejoined();
                    LOG.info("device {} ({}) paired with this device using the invitation", deviceId, DeviceIds.fingerprint(deviceId));
                    parts.executor.execute(() -> stopAdvertising(invitation));
                }

                @Override
                public void joinerAddresses(String deviceId, List<String> addresses, List<Announcement> announcements) {
                    try {
                        parts.trusted.addAddresses(deviceId, addresses);
                        parts.trusted.announce(announcements);
                    } catch (StoreException e) {
                        LOG.warn("cannot store the addresses of {}: {}", deviceId, e.getMessage());
                    }
                    meshChanged.run();
                }
            }, ch::send, parts.random);
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
}
