package io.rhizome.transport.libp2p.internal.holepunch;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.buffer.ByteBuf;
import io.rhizome.transport.libp2p.internal.IdentifyInfo;
import io.rhizome.transport.libp2p.internal.Libp2pConnection;
import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;
import io.rhizome.transport.libp2p.internal.multiformats.MultiformatException;
import io.rhizome.transport.libp2p.internal.relay.DelimitedMessages;
import io.rhizome.transport.libp2p.internal.yamux.StreamHandler;
import io.rhizome.transport.libp2p.internal.yamux.YamuxStream;

/**
 * B's side of a hole punch (the peer that received the relayed connection): CONNECT, RTT, SYNC, dial
 * after RTT/2, up to {@link HolePunchService#ATTEMPTS} times on one stream. Event-loop confined.
 */
final class PunchInitiator implements StreamHandler {

    private static final Logger LOG = LoggerFactory.getLogger(PunchInitiator.class);

    private final HolePunchService service;
    private final Libp2pConnection relayed;
    private final IdentifyInfo info;
    private final DelimitedMessages in = new DelimitedMessages(HolePunchMessage.MAX_MESSAGE);
    private YamuxStream stream;
    private int attempt;
    private long sentAt;
    private ScheduledFuture<?> answerTimeout;
    private boolean done;
    /** The direct connection the current attempt waits for; null between attempts. */
    private CompletableFuture<Libp2pConnection> pending;
    /** The peer closed or reset the stream: no further attempt, but the one under way still counts. */
    private boolean streamClosed;

    private PunchInitiator(HolePunchService service, Libp2pConnection relayed, IdentifyInfo info) {
        this.service = service;
        this.relayed = relayed;
        this.info = info;
    }

    static void start(HolePunchService service, Libp2pConnection relayed, IdentifyInfo info) {
        PunchInitiator p = new PunchInitiator(service, relayed, info);
        relayed.newStream(HolePunchService.PROTOCOL, p).whenComplete((stream, err) -> {
            if (err != null) {
                LOG.debug("cannot open a hole punch stream to {}: {}", relayed.remotePeer(), err.getMessage());
                return;
            }
            relayed.channel().eventLoop().execute(() -> {
                p.stream = stream;
                p.sendConnect();
            });
        });
    }

    private void sendConnect() {
        if (done || !relayed.isOpen()) {
            return;
        }
        attempt++;
        sentAt = System.nanoTime();
        stream.write(DelimitedMessages.frame(HolePunchMessage.connect(service.announced()).encode()));
        answerTimeout = relayed.channel().eventLoop().schedule(() -> fail("no CONNECT answer within "
                + HolePunchService.ANSWER_TIMEOUT.toSeconds() + " s"), HolePunchService.ANSWER_TIMEOUT.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    @Override
    public void onData(YamuxStream s, ByteBuf data) {
        if (done) {
            return;
        }
        HolePunchMessage answer;
        try {
            in.add(data);
            Optional<byte[]> msg = in.next();
            if (msg.isEmpty()) {
                return;
            }
            answer = HolePunchMessage.decode(msg.get());
            if (answer.type() != HolePunchMessage.Type.CONNECT || answerTimeout == null) {
                throw new MultiformatException("expected CONNECT, got " + answer.type());
            }
        } catch (MultiformatException e) {
            fail("malformed answer: " + e.getMessage());
            return;
        }
        answerTimeout.cancel(false);
        answerTimeout = null;
        long rttNanos = System.nanoTime() - sentAt;
        List<Multiaddr> theirs = PunchAddresses.dialable(service.host(), relayed, answer.addresses());
        if (theirs.isEmpty()) {
            fail("the peer announced no TCP address");
            return;
        }
        CompletableFuture<Libp2pConnection> direct = service.await(relayed);
        if (PunchAddresses.reusesPort(info)) {
            service.expect(theirs, relayed.remotePeer(), direct);
        }
        stream.write(DelimitedMessages.frame(HolePunchMessage.sync().encode()));
        LOG.debug("hole punch to {}: attempt {}, relay RTT {} ms, dialing {}", relayed.remotePeer(), attempt,
                rttNanos / 1_000_000, theirs);
        relayed.channel().eventLoop().schedule(() -> service.dial(relayed.remotePeer(), theirs, true, info),
                rttNanos / 2, TimeUnit.NANOSECONDS);
        pending = direct;
        direct.whenComplete((c, err) -> relayed.channel().eventLoop().execute(() -> {
            pending = null;
            if (err == null) {
                finish(true);
            } else if (attempt < HolePunchService.ATTEMPTS && !streamClosed) {
                sendConnect();
            } else {
                finish(false);
            }
        }));
    }

    private void fail(String why) {
        LOG.debug("hole punch to {} stopped: {}", relayed.remotePeer(), why);
        finish(false);
    }

    private void finish(boolean success) {
        if (done) {
            return;
        }
        done = true;
        in.release();
        if (stream != null) {
            stream.closeWrite();
        }
        service.finished(relayed.remotePeer(), success);
    }

    /**
     * A peer may close or reset the stream once it has dialed (js-libp2p resets it when its own dial
     * fails, e.g. into this node's firewall): an attempt under way still ends with this node's dial,
     * so it is waited for; only without one the punch has failed.
     */
    @Override
    public void onClose(YamuxStream s, Throwable cause) {
        streamClosed = true;
        if (!done && pending == null) {
            fail("stream closed" + (cause == null ? "" : ": " + cause.getMessage()));
        } else if (!done) {
            LOG.debug("hole punch to {}: the peer closed the stream{}; waiting for attempt {}", relayed.remotePeer(),
                    cause == null ? "" : " (" + cause.getMessage() + ")", attempt);
        }
    }
}
