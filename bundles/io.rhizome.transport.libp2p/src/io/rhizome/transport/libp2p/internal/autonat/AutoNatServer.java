package io.rhizome.transport.libp2p.internal.autonat;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.buffer.ByteBuf;
import io.rhizome.transport.libp2p.internal.Libp2pConnection;
import io.rhizome.transport.libp2p.internal.Libp2pHost;
import io.rhizome.transport.libp2p.internal.StreamProtocol;
import io.rhizome.transport.libp2p.internal.autonat.AutoNatMessage.DialResponse;
import io.rhizome.transport.libp2p.internal.autonat.AutoNatMessage.Status;
import io.rhizome.transport.libp2p.internal.holepunch.PunchAddresses;
import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;
import io.rhizome.transport.libp2p.internal.multiformats.MultiformatException;
import io.rhizome.transport.libp2p.internal.multiformats.PeerId;
import io.rhizome.transport.libp2p.internal.relay.DelimitedMessages;
import io.rhizome.transport.libp2p.internal.yamux.StreamHandler;
import io.rhizome.transport.libp2p.internal.yamux.YamuxStream;

/**
 * Answers AutoNAT v1 dial-back requests ({@value AutoNatService#PROTOCOL}): dials the requester back on
 * a new connection at the addresses it sent, but only at those with the IP address its connection
 * comes from (never another host: no amplification), TCP only, at most {@value #MAX_ADDRESSES};
 * never for a relayed connection (its IP cannot be checked); one request per peer and
 * {@value #MAX_CONCURRENT} in all at a time, else {@code E_DIAL_REFUSED}. {@code OK} with the
 * address that worked (the dial-back connection is closed at once), else {@code E_DIAL_ERROR}.
 */
final class AutoNatServer implements StreamProtocol {

    static final int MAX_ADDRESSES = 4;
    static final int MAX_CONCURRENT = 8;
    static final long DIAL_TIMEOUT_MILLIS = 8_000;
    private static final Logger LOG = LoggerFactory.getLogger(AutoNatServer.class);

    private final Libp2pHost host;
    private final Set<PeerId> busy = ConcurrentHashMap.newKeySet();
    private final AtomicInteger running = new AtomicInteger();

    AutoNatServer(Libp2pHost host) {
        this.host = host;
    }

    @Override
    public StreamHandler accept(Libp2pConnection connection, YamuxStream stream) {
        DelimitedMessages in = new DelimitedMessages(AutoNatMessage.MAX_MESSAGE);
        return new StreamHandler() {
            private boolean answered;

            @Override
            public void onData(YamuxStream s, ByteBuf data) {
                if (answered) {
                    return;
                }
                AutoNatMessage m;
                try {
                    in.add(data);
                    Optional<byte[]> msg = in.next();
                    if (msg.isEmpty()) {
                        return;
                    }
                    m = AutoNatMessage.decode(msg.get());
                } catch (MultiformatException e) {
                    answered = true;
                    answer(s, new DialResponse(Status.E_BAD_REQUEST, e.getMessage(), Optional.empty()));
                    return;
                }
                answered = true;
                if (!(m instanceof AutoNatMessage.Dial dial)) {
                    answer(s, new DialResponse(Status.E_BAD_REQUEST, "expected DIAL", Optional.empty()));
                    return;
                }
                serve(connection, dial).whenComplete((r, err) -> answer(s, err == null ? r
                        : new DialResponse(Status.E_INTERNAL_ERROR, String.valueOf(err.getMessage()), Optional.empty())));
            }

            @Override
            public void onClose(YamuxStream s, Throwable cause) {
                in.release();
            }
        };
    }

    private static void answer(YamuxStream s, DialResponse r) {
        s.write(DelimitedMessages.frame(AutoNatMessage.encode(r)));
        s.closeWrite();
    }

    CompletableFuture<DialResponse> serve(Libp2pConnection connection, AutoNatMessage.Dial dial) {
        PeerId peer = connection.remotePeer();
        if (connection.isRelayed()) {
            return done(Status.E_DIAL_REFUSED, "dial-back is not offered over a relayed connection");
        }
        if (dial.peerId().length > 0 && !Arrays.equals(dial.peerId(), peer.multihash())) {
            return done(Status.E_BAD_REQUEST, "the peer id in the request is not the requester's");
        }
        InetSocketAddress from = (InetSocketAddress) connection.channel().remoteAddress();
        List<Multiaddr> targets = new ArrayList<>();
        for (Multiaddr a : dial.addresses()) {
            Optional<InetSocketAddress> sa = PunchAddresses.socketAddress(a);
            if (sa.isPresent() && sa.get().getAddress().equals(from.getAddress()) && sa.get().getPort() > 0
                    && targets.size() < MAX_ADDRESSES && !targets.contains(a.withoutPeerId())) {
                targets.add(a.withoutPeerId());
            }
        }
        if (targets.isEmpty()) {
            return done(Status.E_DIAL_REFUSED, "no TCP address with the IP address you connect from ("
                    + from.getAddress().getHostAddress() + ")");
        }
        if (!busy.add(peer)) {
            return done(Status.E_DIAL_REFUSED, "a dial-back for you is running already");
        }
        if (running.incrementAndGet() > MAX_CONCURRENT) {
            running.decrementAndGet();
            busy.remove(peer);
            return done(Status.E_DIAL_REFUSED, "too many dial-backs running");
        }
        CompletableFuture<DialResponse> result = new CompletableFuture<>();
        AtomicInteger left = new AtomicInteger(targets.size());
        for (Multiaddr target : targets) {
            host.dial(target.withPeerId(peer)).orTimeout(DIAL_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS).whenComplete((c, err) -> {
                if (c != null) {
                    c.close();
                    result.complete(new DialResponse(Status.OK, "", Optional.of(target)));
                } else {
                    LOG.debug("AutoNAT dial-back to {} failed: {}", target, err.getMessage());
                }
                if (left.decrementAndGet() == 0) {
                    result.complete(new DialResponse(Status.E_DIAL_ERROR, "no dial-back succeeded", Optional.empty()));
                }
            });
        }
        return result.whenComplete((r, e) -> {
            running.decrementAndGet();
            busy.remove(peer);
        });
    }

    private static CompletableFuture<DialResponse> done(Status s, String text) {
        return CompletableFuture.completedFuture(new DialResponse(s, text, Optional.empty()));
    }
}
