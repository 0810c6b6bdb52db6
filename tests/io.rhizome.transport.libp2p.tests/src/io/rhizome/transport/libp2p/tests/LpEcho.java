package io.rhizome.transport.libp2p.tests;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.rhizome.transport.libp2p.internal.Libp2pConnection;
import io.rhizome.transport.libp2p.internal.StreamProtocol;
import io.rhizome.transport.libp2p.internal.multiformats.Varint;
import io.rhizome.transport.libp2p.internal.yamux.StreamHandler;
import io.rhizome.transport.libp2p.internal.yamux.YamuxStream;

/**
 * Varint length-prefixed text messages, as js/peer.mjs and js/relay.mjs speak them on
 * /rhizome/sync/1.0.0: the server side echoes "rz-echo:" + text, the client side records replies.
 * Also counts raw bytes received, for the relay data-limit tests.
 */
final class LpEcho implements StreamProtocol {

    static final String SYNC = "/rhizome/sync/1.0.0";

    final List<String> received = new CopyOnWriteArrayList<>();
    final AtomicLong bytes = new AtomicLong();
    final List<Libp2pConnection> connections = new CopyOnWriteArrayList<>();

    @Override
    public StreamHandler accept(Libp2pConnection connection, YamuxStream stream) {
        connections.add(connection);
        return reader(text -> {
            received.add(text);
            stream.write(frame("rz-echo:" + text));
        });
    }

    StreamHandler reader(java.util.function.Consumer<String> onMessage) {
        ByteBuf buffer = Unpooled.buffer();
        return new StreamHandler() {
            @Override
            public void onData(YamuxStream s, ByteBuf data) {
                bytes.addAndGet(data.readableBytes());
                buffer.writeBytes(data);
                while (true) {
                    long len = Varint.peek(buffer);
                    if (len == Varint.INCOMPLETE || buffer.readableBytes() < Varint.size(len) + len) {
                        return;
                    }
                    buffer.skipBytes(Varint.size(len));
                    byte[] b = new byte[(int) len];
                    buffer.readBytes(b);
                    onMessage.accept(new String(b, StandardCharsets.UTF_8));
                }
            }
        };
    }

    static ByteBuf frame(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        ByteBuf out = Unpooled.buffer();
        Varint.write(out, b.length);
        out.writeBytes(b);
        return out;
    }

    /** Sends each text on a new sync stream of {@code c} and returns the replies, in order. */
    static List<String> exchange(Libp2pConnection c, List<String> texts) throws Exception {
        List<String> replies = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> all = new CompletableFuture<>();
        LpEcho client = new LpEcho();
        YamuxStream stream = c.newStream(SYNC, client.reader(r -> {
            replies.add(r);
            if (replies.size() == texts.size()) {
                all.complete(null);
            }
        })).get(30, TimeUnit.SECONDS);
        for (String t : texts) {
            stream.write(frame(t));
        }
        all.get(30, TimeUnit.SECONDS);
        stream.closeWrite();
        return replies;
    }
}
