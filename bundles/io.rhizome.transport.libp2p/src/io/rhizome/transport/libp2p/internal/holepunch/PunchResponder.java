package io.rhizome.transport.libp2p.internal.holepunch;

import java.util.List;
import java.util.Optional;

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
 * A's side of a hole punch (the peer that dialed through the relay): answers each CONNECT with its
 * own addresses and dials the peer's at once on SYNC, as security responder when the peer dials
 * from its listen port too. Event-loop confined.
 */
final class PunchResponder implements StreamHandler {

    private static final Logger LOG = LoggerFactory.getLogger(PunchResponder.class);
    /** CONNECT/SYNC rounds accepted on one stream (the initiator makes {@link HolePunchService#ATTEMPTS}). */
    private static final int MAX_ROUNDS = HolePunchService.ATTEMPTS * 2;

    private final HolePunchService service;
    private final Libp2pConnection relayed;
    private final DelimitedMessages in = new DelimitedMessages(HolePunchMessage.MAX_MESSAGE);
    private List<Multiaddr> theirs;
    private int rounds;
    private boolean closed;

    PunchResponder(HolePunchService service, Libp2pConnection relayed) {
        this.service = service;
        this.relayed = relayed;
    }

    @Override
    public void onData(YamuxStream stream, ByteBuf data) {
        if (closed) {
            return;
        }
        try {
            in.add(data);
            for (Optional<byte[]> msg = in.next(); msg.isPresent(); msg = in.next()) {
                handle(stream, HolePunchMessage.decode(msg.get()));
            }
        } catch (MultiformatException e) {
            LOG.debug("malformed hole punch message from {}: {}", relayed.remotePeer(), e.getMessage());
            close(stream);
        }
    }

    private void handle(YamuxStream stream, HolePunchMessage m) {
        if (m.type() == HolePunchMessage.Type.CONNECT) {
            if (++rounds > MAX_ROUNDS) {
                throw new MultiformatException("more than " + MAX_ROUNDS + " hole punch rounds");
            }
            theirs = PunchAddresses.dialable(service.host(), relayed, m.addresses());
            stream.write(DelimitedMessages.frame(HolePunchMessage.connect(service.announced()).encode()));
            return;
        }
        if (theirs == null) {
            throw new MultiformatException("SYNC before CONNECT");
        }
        List<Multiaddr> targets = theirs;
        theirs = null;
        IdentifyInfo info = relayed.identified().getNow(null);
        if (info == null || targets.isEmpty()) {
            return;
        }
        service.await(relayed);
        service.dial(relayed.remotePeer(), targets, false, info);
    }

    private void close(YamuxStream stream) {
        closed = true;
        in.release();
        stream.reset();
    }

    @Override
    public void onRemoteClose(YamuxStream stream) {
        stream.closeWrite();
    }

    @Override
    public void onClose(YamuxStream stream, Throwable cause) {
        if (!closed) {
            closed = true;
            in.release();
        }
    }
}
