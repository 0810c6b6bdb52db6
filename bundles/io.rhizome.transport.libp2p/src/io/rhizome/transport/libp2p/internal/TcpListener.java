package io.rhizome.transport.libp2p.internal;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;
import io.rhizome.transport.libp2p.internal.multiformats.PeerId;

/**
 * The listening TCP sockets of a {@link Libp2pHost}, one per configured listen address, and the
 * addresses they are announced at. Each accepted channel goes to the host, which decides whether
 * to admit and how to upgrade it.
 *
 * <p>Thread-safe; {@link #bind} once, {@link #close} once (from the host's start and stop).
 */
final class TcpListener {

    private static final Logger LOG = LoggerFactory.getLogger(TcpListener.class);

    private final List<Multiaddr> configured;
    private final PeerId peerId;
    private final List<Channel> serverChannels = new CopyOnWriteArrayList<>();

    TcpListener(List<Multiaddr> configured, PeerId peerId) {
        this.configured = configured;
        this.peerId = peerId;
    }

    /**
     * Binds every configured address on {@code group}, in order; {@code accepted} gets each inbound
     * channel from its initializer. Throws on the first address that cannot be bound; the ones
     * already bound stay until {@link #close}.
     */
    void bind(EventLoopGroup group, Consumer<SocketChannel> accepted) throws IOException {
        for (Multiaddr addr : configured) {
            InetSocketAddress bind = TcpAddresses.toSocketAddress(addr, true);
            ServerBootstrap b = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    // a remembered port must be bindable again right after a restart (TIME_WAIT)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    // hole punching dials out from the listen port (TCP simultaneous open, see TcpDialer)
                    .option(NioChannelOption.of(StandardSocketOptions.SO_REUSEPORT), true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            accepted.accept(ch);
                        }
                    });
            ChannelFuture f = b.bind(bind).awaitUninterruptibly();
            if (!f.isSuccess()) {
                throw new IOException("cannot listen on " + addr + ": " + f.cause().getMessage(), f.cause());
            }
            serverChannels.add(f.channel());
            LOG.info("libp2p node {} listening on {}", peerId, f.channel().localAddress());
        }
    }

    /** The bound listen addresses, each ending in /p2p/{our peer id}; empty when closed. */
    List<Multiaddr> listenAddresses() {
        List<Multiaddr> out = new ArrayList<>();
        for (int i = 0; i < serverChannels.size(); i++) {
            InetSocketAddress a = (InetSocketAddress) serverChannels.get(i).localAddress();
            if (a.getAddress().isAnyLocalAddress()) {
                // the JDK binds /ip4/0.0.0.0 as the dual-stack wildcard: announce what was configured
                boolean v6 = i < configured.size() ? configured.get(i).first(Multiaddr.Protocol.IP6).isPresent()
                        : a.getAddress() instanceof Inet6Address;
                out.addAll(TcpAddresses.interfaceAddresses(a.getPort(), v6, peerId));
            } else {
                out.add(Multiaddr.tcp(a.getAddress(), a.getPort()).withPeerId(peerId));
            }
        }
        return out;
    }

    /** The socket addresses actually bound, in configured order (wildcards not expanded, ports resolved). */
    List<InetSocketAddress> boundAddresses() {
        return serverChannels.stream().map(c -> (InetSocketAddress) c.localAddress()).toList();
    }

    /** Stops listening: new connections are refused; accepted ones are the host's to close. */
    void close() {
        for (Channel c : serverChannels) {
            c.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        serverChannels.clear();
    }
}
