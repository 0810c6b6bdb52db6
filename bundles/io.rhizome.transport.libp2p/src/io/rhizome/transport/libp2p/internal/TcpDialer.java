package io.rhizome.transport.libp2p.internal;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;
import io.rhizome.transport.libp2p.internal.multiformats.PeerId;

/**
 * The outbound TCP connections of a {@link Libp2pHost}: resolves the multiaddr (a DNS name off the
 * I/O threads), connects within the handshake timeout, and hands the channel to the host's libp2p
 * upgrade before it is active.
 *
 * <p>A hole-punching dial goes out from the listen port: the listener and this socket share it with
 * SO_REUSEPORT, so the NAT maps the dial as it mapped the port the peer learned, and the two
 * sides' dials can meet (TCP simultaneous open).
 */
final class TcpDialer {

    /** The host's upgrade of a new channel (Noise, Yamux); completes {@code ready} with the connection or the failure. */
    @FunctionalInterface
    interface Upgrade {
        void upgrade(Channel ch, boolean initiator, Optional<PeerId> expected, CompletableFuture<Libp2pConnection> ready);
    }

    private final long handshakeTimeoutMillis;
    private final Upgrade upgrade;

    TcpDialer(long handshakeTimeoutMillis, Upgrade upgrade) {
        this.handshakeTimeoutMillis = handshakeTimeoutMillis;
        this.upgrade = upgrade;
    }

    /**
     * Dials {@code address} on {@code group}; if it ends in /p2p/{id}, the remote must authenticate
     * as that peer. With {@code localPort}, binds the socket to that (listen) port first.
     *
     * @param initiator whether this side is the security initiator (a hole punch assigns the roles)
     */
    CompletableFuture<Libp2pConnection> dial(EventLoopGroup group, Multiaddr address, boolean initiator,
            Optional<Integer> localPort) {
        CompletableFuture<Libp2pConnection> ready = new CompletableFuture<>();
        Optional<PeerId> expected = address.peerId();
        CompletableFuture.supplyAsync(() -> {
            try {
                return TcpAddresses.toSocketAddress(address, false);
            } catch (IOException e) {
                throw new CompletionException(e);
            }
        }).whenComplete((target, err) -> {
            if (err != null) {
                ready.completeExceptionally(err.getCause() != null ? err.getCause() : err);
                return;
            }
            Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) handshakeTimeoutMillis)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            upgrade.upgrade(ch, initiator, expected, ready);
                        }
                    });
            localPort.ifPresent(port -> b.option(ChannelOption.SO_REUSEADDR, true)
                    .option(NioChannelOption.of(StandardSocketOptions.SO_REUSEPORT), true)
                    .localAddress(new InetSocketAddress(target.getAddress() instanceof Inet6Address
                            ? "::" : "0.0.0.0", port)));
            b.connect(target).addListener((ChannelFuture f) -> {
                if (!f.isSuccess()) {
                    ready.completeExceptionally(new IOException("cannot connect to " + address + ": " + f.cause().getMessage(), f.cause()));
                }
            });
        });
        return ready;
    }
}
