package io.rhizome.transport.libp2p.internal;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;
import io.rhizome.transport.libp2p.internal.multiformats.PeerId;
import io.rhizome.transport.libp2p.internal.relay.StreamChannel;
import io.rhizome.transport.libp2p.internal.yamux.StreamHandler;
import io.rhizome.transport.libp2p.internal.yamux.YamuxException;
import io.rhizome.transport.libp2p.internal.yamux.YamuxSession;
import io.rhizome.transport.libp2p.internal.yamux.YamuxStream;

/**
 * An authenticated, multiplexed connection to one remote peer (TCP + Noise + Yamux). Thread-safe.
 */
public final class Libp2pConnection {

    private final Libp2pHost host;
    private final Channel channel;
    private final PeerId remotePeer;
    private final boolean initiator;
    private final YamuxSession session;
    private final CompletableFuture<IdentifyInfo> identified = new CompletableFuture<>();
    private volatile boolean holePunched;

    Libp2pConnection(Libp2pHost host, Channel channel, PeerId remotePeer, boolean initiator, YamuxSession session) {
        this.host = host;
        this.channel = channel;
        this.remotePeer = remotePeer;
        this.initiator = initiator;
        this.session = session;
    }

    public PeerId remotePeer() {
        return remotePeer;
    }

    public boolean isInitiator() {
        return initiator;
    }

    public Multiaddr remoteAddress() {
        if (channel.remoteAddress() instanceof StreamChannel.CircuitAddress c) {
            return c.multiaddr();
        }
        InetSocketAddress a = (InetSocketAddress) channel.remoteAddress();
        return Multiaddr.tcp(a.getAddress(), a.getPort()).withPeerId(remotePeer);
    }

    /** Whether this connection runs through a circuit relay (its bytes are a stream of a connection to the relay). */
    public boolean isRelayed() {
        return channel instanceof StreamChannel;
    }

    /** Whether this direct connection was made by hole punching (DCUtR) over a relayed one. */
    public boolean isHolePunched() {
        return holePunched;
    }

    public void markHolePunched() {
        holePunched = true;
    }

    /** The route this connection is: {@code relayed}, {@code hole-punched} or {@code direct}. */
    public String route() {
        return isRelayed() ? "relayed" : holePunched ? "hole-punched" : "direct";
    }

    public boolean isOpen() {
        return channel.isActive();
    }

    public CompletableFuture<Void> closeFuture() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        channel.closeFuture().addListener(x -> f.complete(null));
        return f;
    }

    /** Go-away, then close. */
    public void close() {
        session.goAway();
    }

    YamuxSession session() {
        return session;
    }

    /** The underlying channel (diagnostics and tests that inject raw frames). */
    public Channel channel() {
        return channel;
    }

    /** The remote's identify answer, once the automatic identify exchange finished. */
    public CompletableFuture<IdentifyInfo> identified() {
        return identified;
    }

    /** Opens a stream and negotiates {@code protocol} on it; completes once the remote agreed. */
    public CompletableFuture<YamuxStream> newStream(String protocol, StreamHandler handler) {
        StreamNegotiator negotiator = StreamNegotiator.dialer(protocol, handler);
        return session.openStream(negotiator).thenCompose(stream -> {
            channel.eventLoop().execute(() -> negotiator.start(stream, channel.eventLoop(), host.config().handshakeTimeoutMillis()));
            return negotiator.result();
        });
    }

    /** One /ipfs/ping/1.0.0 round trip: 32 random bytes, echoed. */
    public CompletableFuture<Duration> ping() {
        byte[] payload = new byte[PingProtocol.SIZE];
        ThreadLocalRandom.current().nextBytes(payload);
        CompletableFuture<Duration> result = new CompletableFuture<>();
        long[] start = new long[1];
        ByteBuf received = Unpooled.buffer(PingProtocol.SIZE);
        StreamHandler handler = new StreamHandler() {
            @Override
            public void onData(YamuxStream stream, ByteBuf data) {
                received.writeBytes(data, Math.min(data.readableBytes(), PingProtocol.SIZE - received.readableBytes()));
                if (received.readableBytes() == PingProtocol.SIZE) {
                    long rtt = System.nanoTime() - start[0];
                    byte[] echo = new byte[PingProtocol.SIZE];
                    received.readBytes(echo);
                    if (Arrays.equals(echo, payload)) {
                        result.complete(Duration.ofNanos(rtt));
                    } else {
                        result.completeExceptionally(new YamuxException("ping reply from " + remotePeer + " does not match"));
                    }
                    stream.closeWrite();
                }
            }

            @Override
            public void onClose(YamuxStream stream, Throwable cause) {
                received.release();
                if (!result.isDone()) {
                    result.completeExceptionally(cause != null ? cause : new YamuxException("ping stream closed before the reply"));
                }
            }
        };
        newStream(PingProtocol.ID, handler).whenComplete((stream, err) -> {
            if (err != null) {
                result.completeExceptionally(err);
                return;
            }
            start[0] = System.nanoTime();
            stream.write(Unpooled.wrappedBuffer(payload));
        });
        return result;
    }

    void identifyRemote() {
        IdentifyProtocol.request(this).whenComplete((info, err) -> {
            if (err != null) {
                identified.completeExceptionally(err);
            } else {
                identified.complete(info);
            }
        });
    }

    Libp2pHost host() {
        return host;
    }

    @Override
    public String toString() {
        return remotePeer + "@" + channel.remoteAddress();
    }
}
