package io.rhizome.transport.libp2p.internal.relay;

import java.net.SocketAddress;

import io.netty.buffer.ByteBuf;
import io.netty.channel.AbstractChannel;
import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.EventLoop;
import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;
import io.rhizome.transport.libp2p.internal.yamux.StreamHandler;
import io.rhizome.transport.libp2p.internal.yamux.YamuxStream;

/**
 * A Netty channel whose bytes travel on one Yamux stream of another connection: the relayed
 * connection of circuit relay v2, over which the host runs the same upgrade as over TCP
 * (multistream-select, Noise, Yamux), end to end between the two peers; the relay sees only
 * ciphertext.
 *
 * <p>Created already connected and active; register it on the event loop of the connection that
 * carries the stream so that stream events and channel events share one thread. Closing the channel
 * half-closes the stream (FIN); the remote's FIN or a reset closes the channel.
 */
public final class StreamChannel extends AbstractChannel {

    private static final ChannelMetadata METADATA = new ChannelMetadata(false);

    private final YamuxStream stream;
    private final CircuitAddress remote;
    private final ChannelConfig config = new DefaultChannelConfig(this);
    private volatile boolean open = true;

    /** The remote end of a relayed connection: /p2p/RELAY/p2p-circuit/p2p/PEER. */
    public static final class CircuitAddress extends SocketAddress {
        private static final long serialVersionUID = 1L;
        private final transient Multiaddr multiaddr;

        CircuitAddress(Multiaddr multiaddr) {
            this.multiaddr = multiaddr;
        }

        public Multiaddr multiaddr() {
            return multiaddr;
        }

        @Override
        public String toString() {
            return multiaddr.toString();
        }
    }

    public StreamChannel(Channel carrier, YamuxStream stream, Multiaddr remote) {
        super(carrier);
        this.stream = stream;
        this.remote = new CircuitAddress(remote);
    }

    /** The circuit address of the remote peer. */
    public Multiaddr circuitAddress() {
        return remote.multiaddr();
    }

    /** The handler to install on the stream: its data becomes this channel's reads. */
    public StreamHandler streamHandler() {
        return new StreamHandler() {
            @Override
            public void onData(YamuxStream s, ByteBuf data) {
                if (open) {
                    pipeline().fireChannelRead(data.retain());
                    pipeline().fireChannelReadComplete();
                }
            }

            @Override
            public void onRemoteClose(YamuxStream s) {
                close();
            }

            @Override
            public void onClose(YamuxStream s, Throwable cause) {
                close();
            }
        };
    }

    /** Feeds bytes that arrived on the stream before this channel existed. Event loop only. */
    public void deliverEarly(ByteBuf data) {
        if (data.isReadable()) {
            pipeline().fireChannelRead(data.retain());
            pipeline().fireChannelReadComplete();
        }
    }

    @Override
    protected AbstractUnsafe newUnsafe() {
        return new AbstractUnsafe() {
            @Override
            public void connect(SocketAddress remoteAddress, SocketAddress localAddress, ChannelPromise promise) {
                promise.setFailure(new UnsupportedOperationException("a relayed stream channel is connected when created"));
            }
        };
    }

    @Override
    protected boolean isCompatible(EventLoop loop) {
        return true;
    }

    @Override
    protected SocketAddress localAddress0() {
        return null;
    }

    @Override
    protected SocketAddress remoteAddress0() {
        return remote;
    }

    @Override
    protected void doBind(SocketAddress localAddress) {
        throw new UnsupportedOperationException("a relayed stream channel cannot bind");
    }

    @Override
    protected void doDisconnect() {
        doClose();
    }

    @Override
    protected void doClose() {
        if (open) {
            open = false;
            stream.closeWrite();
        }
    }

    @Override
    protected void doBeginRead() {
        // reads are pushed by the stream's handler
    }

    @Override
    protected void doWrite(ChannelOutboundBuffer in) {
        for (Object msg = in.current(); msg != null; msg = in.current()) {
            if (msg instanceof ByteBuf b) {
                stream.write(b.retain());
                in.remove();
            } else {
                in.remove(new UnsupportedOperationException("a relayed stream carries bytes, not " + msg.getClass()));
            }
        }
    }

    @Override
    public ChannelConfig config() {
        return config;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public boolean isActive() {
        return open;
    }

    @Override
    public ChannelMetadata metadata() {
        return METADATA;
    }
}
