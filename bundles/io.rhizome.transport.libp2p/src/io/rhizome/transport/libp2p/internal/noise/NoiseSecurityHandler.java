package io.rhizome.transport.libp2p.internal.noise;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import io.rhizome.transport.libp2p.internal.multiformats.PeerId;
import io.rhizome.transport.libp2p.internal.multistream.MultistreamException;
import io.rhizome.transport.libp2p.internal.multistream.MultistreamSelect;

/**
 * The security upgrade of a raw TCP connection: multistream-select for {@code /noise}, the Noise XX
 * handshake with the libp2p payload, then decryption of transport messages (encryption is done by
 * the {@link NoiseEncoder} this handler installs below itself when the handshake completes).
 *
 * <p>Anything wrong (garbage, bad MAC, wrong identity signature, unexpected peer, timeout) closes
 * the connection with a warning naming the remote address; nothing reaches the layers above.
 */
public final class NoiseSecurityHandler extends ByteToMessageDecoder {

    public static final String PROTOCOL_ID = "/noise";
    /** Largest Noise message, per the libp2p spec. */
    public static final int MAX_MESSAGE = 65535;
    private static final Logger LOG = LoggerFactory.getLogger(NoiseSecurityHandler.class);

    private enum Stage { NEGOTIATE, HANDSHAKE, TRANSPORT, FAILED }

    private final boolean initiator;
    private final IdentitySigner identity;
    private final byte[] staticPrivate;
    private final Optional<PeerId> expectedPeer;
    private final long timeoutMillis;
    private final BiConsumer<ChannelHandlerContext, PeerId> onSecured;
    private final CompletableFuture<PeerId> result = new CompletableFuture<>();
    private final MultistreamSelect negotiation;
    private NoiseXX noise;
    private CipherState receiveCipher;
    private Stage stage = Stage.NEGOTIATE;
    private ScheduledFuture<?> timeout;
    private byte[] scratch;

    /**
     * @param staticPrivate the node's X25519 Noise static key
     * @param expectedPeer the peer we dialed, if known: any other identity is rejected
     * @param onSecured called on the event loop once the peer is authenticated, before any
     *        decrypted byte is passed up: install the next layer there
     */
    public NoiseSecurityHandler(boolean initiator, IdentitySigner identity, byte[] staticPrivate,
            Optional<PeerId> expectedPeer, long timeoutMillis, BiConsumer<ChannelHandlerContext, PeerId> onSecured) {
        this.initiator = initiator;
        this.identity = identity;
        this.staticPrivate = staticPrivate.clone();
        this.expectedPeer = expectedPeer;
        this.timeoutMillis = timeoutMillis;
        this.onSecured = onSecured;
        this.negotiation = initiator ? MultistreamSelect.dialer(List.of(PROTOCOL_ID))
                : MultistreamSelect.listener(Set.of(PROTOCOL_ID));
    }

    /** Completes with the authenticated remote peer, or exceptionally when the upgrade fails. */
    public CompletableFuture<PeerId> result() {
        return result;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        timeout = ctx.executor().schedule(() -> fail(ctx, "security handshake timed out after " + timeoutMillis + " ms"),
                timeoutMillis, TimeUnit.MILLISECONDS);
        ByteBuf out = ctx.alloc().buffer();
        negotiation.start(out);
        ctx.writeAndFlush(out);
        super.channelActive(ctx);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        try {
            if (stage == Stage.NEGOTIATE) {
                ByteBuf reply = ctx.alloc().buffer();
                Optional<String> selected;
                try {
                    selected = negotiation.receive(in, reply);
                } finally {
                    if (reply.isReadable()) {
                        ctx.writeAndFlush(reply);
                    } else {
                        reply.release();
                    }
                }
                if (selected.isEmpty()) {
                    return;
                }
                stage = Stage.HANDSHAKE;
                noise = new NoiseXX(initiator, staticPrivate, new java.security.SecureRandom());
                if (initiator) {
                    // libp2p sends no payload in the first message: it would travel unencrypted
                    sendHandshake(ctx, noise.writeMessageA(new byte[0]));
                }
            }
            while (stage == Stage.HANDSHAKE) {
                byte[] msg = readFrame(in);
                if (msg == null) {
                    return;
                }
                handshakeStep(ctx, msg);
            }
            while (stage == Stage.TRANSPORT) {
                if (in.readableBytes() < 2) {
                    return;
                }
                int len = in.getUnsignedShort(in.readerIndex());
                if (in.readableBytes() < 2 + len) {
                    return;
                }
                in.skipBytes(2);
                if (len < CipherState.TAG_LENGTH) {
                    throw new NoiseException("Noise transport message of " + len + " bytes is shorter than its tag");
                }
                if (scratch == null) {
                    scratch = new byte[MAX_MESSAGE];
                }
                in.readBytes(scratch, 0, len);
                ByteBuf plain = ctx.alloc().heapBuffer(len - CipherState.TAG_LENGTH);
                try {
                    int n = receiveCipher.decrypt(new byte[0], scratch, 0, len, plain.array(),
                            plain.arrayOffset() + plain.writerIndex());
                    plain.writerIndex(plain.writerIndex() + n);
                } catch (NoiseException e) {
                    plain.release();
                    throw e;
                }
                out.add(plain);
            }
        } catch (NoiseException | MultistreamException e) {
            fail(ctx, e.getMessage());
            in.skipBytes(in.readableBytes());
        }
        if (stage == Stage.FAILED && in.isReadable()) {
            in.skipBytes(in.readableBytes());
        }
    }

    private void handshakeStep(ChannelHandlerContext ctx, byte[] msg) throws Exception {
        if (initiator) {
            byte[] payload = noise.readMessageB(msg);
            PeerId remote = authenticate(payload);
            sendHandshake(ctx, noise.writeMessageC(localPayload()));
            established(ctx, remote);
        } else if (!noise.isComplete() && noise.remoteEphemeralReceived()) {
            byte[] payload = noise.readMessageC(msg);
            established(ctx, authenticate(payload));
        } else {
            noise.readMessageA(msg);
            sendHandshake(ctx, noise.writeMessageB(localPayload()));
        }
    }

    private PeerId authenticate(byte[] payloadBytes) throws NoiseException {
        PeerId remote = HandshakePayload.decode(payloadBytes).verify(noise.remoteStaticPublicKey());
        if (expectedPeer.isPresent() && !expectedPeer.get().equals(remote)) {
            throw new NoiseException("dialed peer " + expectedPeer.get() + " but authenticated " + remote);
        }
        return remote;
    }

    private byte[] localPayload() throws NoiseException {
        byte[] signature;
        try {
            signature = identity.sign(HandshakePayload.signedData(noise.localStaticPublicKey()));
        } catch (Exception e) {
            throw new NoiseException("cannot sign the Noise static key with the identity key: " + e.getMessage(), e);
        }
        return new HandshakePayload(PeerId.encodeEd25519PublicKey(identity.publicKey()), signature).encode();
    }

    private void established(ChannelHandlerContext ctx, PeerId remote) {
        CipherState[] ciphers = noise.split();
        receiveCipher = ciphers[1];
        stage = Stage.TRANSPORT;
        if (timeout != null) {
            timeout.cancel(false);
        }
        ctx.pipeline().addBefore(ctx.name(), "noise-encoder", new NoiseEncoder(ciphers[0]));
        onSecured.accept(ctx, remote);
        result.complete(remote);
    }

    private static void sendHandshake(ChannelHandlerContext ctx, byte[] msg) {
        ByteBuf b = ctx.alloc().buffer(2 + msg.length);
        b.writeShort(msg.length);
        b.writeBytes(msg);
        ctx.writeAndFlush(b);
    }

    private static byte[] readFrame(ByteBuf in) {
        if (in.readableBytes() < 2) {
            return null;
        }
        int len = in.getUnsignedShort(in.readerIndex());
        if (in.readableBytes() < 2 + len) {
            return null;
        }
        in.skipBytes(2);
        byte[] b = new byte[len];
        in.readBytes(b);
        return b;
    }

    private void fail(ChannelHandlerContext ctx, String reason) {
        if (stage == Stage.FAILED) {
            return;
        }
        boolean wasTransport = stage == Stage.TRANSPORT;
        stage = Stage.FAILED;
        if (timeout != null) {
            timeout.cancel(false);
        }
        LOG.warn("closing libp2p connection {} {}: {}{}", initiator ? "to" : "from", ctx.channel().remoteAddress(),
                wasTransport ? "" : "security handshake failed: ", reason);
        result.completeExceptionally(new NoiseException(reason));
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (timeout != null) {
            timeout.cancel(false);
        }
        result.completeExceptionally(new NoiseException("connection closed during the security handshake"));
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(ctx, cause.toString());
    }
}
