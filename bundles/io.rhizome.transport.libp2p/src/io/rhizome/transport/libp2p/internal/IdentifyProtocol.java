package io.rhizome.transport.libp2p.internal;

import java.util.concurrent.CompletableFuture;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.rhizome.transport.libp2p.internal.multiformats.MultiformatException;
import io.rhizome.transport.libp2p.internal.multiformats.Varint;
import io.rhizome.transport.libp2p.internal.yamux.StreamHandler;
import io.rhizome.transport.libp2p.internal.yamux.YamuxException;
import io.rhizome.transport.libp2p.internal.yamux.YamuxStream;

/**
 * /ipfs/id/1.0.0: the listener sends one varint-length-prefixed Identify message and closes; the
 * dialer reads it.
 */
final class IdentifyProtocol implements StreamProtocol {

    static final String ID = "/ipfs/id/1.0.0";
    static final int MAX_MESSAGE = 8 * 1024;

    private final Libp2pHost host;

    IdentifyProtocol(Libp2pHost host) {
        this.host = host;
    }

    @Override
    public StreamHandler accept(Libp2pConnection connection, YamuxStream stream) {
        byte[] msg = host.identifyFor(connection).encode();
        ByteBuf out = Unpooled.buffer(msg.length + 3);
        Varint.write(out, msg.length);
        out.writeBytes(msg);
        stream.write(out);
        stream.closeWrite();
        return (s, data) -> {
            // the dialer has nothing to say on this protocol
        };
    }

    static CompletableFuture<IdentifyInfo> request(Libp2pConnection connection) {
        CompletableFuture<IdentifyInfo> result = new CompletableFuture<>();
        ByteBuf buffer = Unpooled.buffer();
        StreamHandler reader = new StreamHandler() {
            @Override
            public void onData(YamuxStream stream, ByteBuf data) {
                if (result.isDone()) {
                    return;
                }
                buffer.writeBytes(data);
                try {
                    long len = Varint.peek(buffer);
                    if (len == Varint.INCOMPLETE) {
                        return;
                    }
                    if (len > MAX_MESSAGE) {
                        throw new MultiformatException("identify message of " + len + " bytes exceeds " + MAX_MESSAGE);
                    }
                    int header = Varint.size(len);
                    if (buffer.readableBytes() < header + len) {
                        return;
                    }
                    buffer.skipBytes(header);
                    byte[] msg = new byte[(int) len];
                    buffer.readBytes(msg);
                    result.complete(IdentifyInfo.decode(msg));
                    stream.closeWrite();
                } catch (MultiformatException e) {
                    result.completeExceptionally(e);
                    stream.reset();
                }
            }

            @Override
            public void onRemoteClose(YamuxStream stream) {
                if (!result.isDone()) {
                    result.completeExceptionally(new YamuxException("identify stream closed before a whole message"));
                    stream.reset();
                }
            }

            @Override
            public void onClose(YamuxStream stream, Throwable cause) {
                buffer.release();
                if (!result.isDone()) {
                    result.completeExceptionally(cause != null ? cause
                            : new YamuxException("identify stream closed before a whole message"));
                }
            }
        };
        connection.newStream(ID, reader).whenComplete((s, err) -> {
            if (err != null) {
                result.completeExceptionally(err);
            }
        });
        return result;
    }
}
