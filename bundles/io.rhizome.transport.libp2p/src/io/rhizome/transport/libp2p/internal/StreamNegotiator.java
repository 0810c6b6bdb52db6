package io.rhizome.transport.libp2p.internal;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.rhizome.transport.libp2p.internal.multistream.MultistreamException;
import io.rhizome.transport.libp2p.internal.multistream.MultistreamSelect;
import io.rhizome.transport.libp2p.internal.yamux.StreamHandler;
import io.rhizome.transport.libp2p.internal.yamux.YamuxException;
import io.rhizome.transport.libp2p.internal.yamux.YamuxStream;

/**
 * Runs multistream-select on a fresh Yamux stream, then hands the stream (and any bytes that came
 * after the negotiation) to the protocol's handler. A stream that does not agree on a protocol in
 * time is reset.
 */
final class StreamNegotiator implements StreamHandler {

    private static final Logger LOG = LoggerFactory.getLogger(StreamNegotiator.class);

    private final MultistreamSelect select;
    private final Function<String, StreamHandler> onSelected;
    private final CompletableFuture<YamuxStream> result = new CompletableFuture<>();
    private final ByteBuf buffer = Unpooled.buffer();
    private ScheduledFuture<?> timeout;

    private StreamNegotiator(MultistreamSelect select, Function<String, StreamHandler> onSelected) {
        this.select = select;
        this.onSelected = onSelected;
    }

    static StreamNegotiator dialer(String protocol, StreamHandler handler) {
        return new StreamNegotiator(MultistreamSelect.dialer(List.of(protocol)), p -> handler);
    }

    static StreamNegotiator listener(Set<String> protocols, Function<String, StreamHandler> onSelected) {
        return new StreamNegotiator(MultistreamSelect.listener(protocols), onSelected);
    }

    CompletableFuture<YamuxStream> result() {
        return result;
    }

    /** Sends our opening messages. Call on the event loop right after the stream exists. */
    void start(YamuxStream stream, EventExecutor executor, long timeoutMillis) {
        ByteBuf out = Unpooled.buffer();
        select.start(out);
        stream.write(out);
        timeout = executor.schedule(() -> fail(stream, "protocol negotiation timed out after " + timeoutMillis + " ms"),
                timeoutMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void onData(YamuxStream stream, ByteBuf data) {
        if (result.isDone()) {
            return;
        }
        if (buffer.readableBytes() + data.readableBytes() > 4 * MultistreamSelect.MAX_MESSAGE) {
            fail(stream, "too much data before protocol negotiation finished");
            return;
        }
        buffer.writeBytes(data);
        ByteBuf reply = Unpooled.buffer();
        Optional<String> selected;
        try {
            selected = select.receive(buffer, reply);
        } catch (MultistreamException e) {
            reply.release();
            fail(stream, e.getMessage());
            return;
        }
        if (reply.isReadable()) {
            stream.write(reply);
        } else {
            reply.release();
        }
        if (selected.isEmpty()) {
            return;
        }
        if (timeout != null) {
            timeout.cancel(false);
        }
        stream.protocol(selected.get());
        StreamHandler next = onSelected.apply(selected.get());
        if (next == null) {
            fail(stream, "no handler for " + selected.get());
            return;
        }
        stream.handler(next);
        result.complete(stream);
        if (buffer.isReadable()) {
            next.onData(stream, buffer);
        }
        buffer.release();
    }

    @Override
    public void onRemoteClose(YamuxStream stream) {
        if (!result.isDone()) {
            fail(stream, "remote closed the stream during protocol negotiation");
        }
    }

    @Override
    public void onClose(YamuxStream stream, Throwable cause) {
        if (timeout != null) {
            timeout.cancel(false);
        }
        if (!result.isDone()) {
            result.completeExceptionally(cause != null ? cause : new YamuxException(stream + " closed during negotiation"));
            buffer.release();
        }
    }

    private void fail(YamuxStream stream, String reason) {
        if (result.isDone()) {
            return;
        }
        LOG.debug("resetting {} with {}: {}", stream, stream.session().peerLabel(), reason);
        result.completeExceptionally(new YamuxException(reason + " (" + stream.session().peerLabel() + ")"));
        buffer.release();
        stream.reset();
    }
}
