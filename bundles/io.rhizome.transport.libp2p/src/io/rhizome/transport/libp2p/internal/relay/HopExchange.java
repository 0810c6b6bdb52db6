package io.rhizome.transport.libp2p.internal.relay;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import io.netty.buffer.ByteBuf;
import io.rhizome.transport.libp2p.internal.Libp2pConnection;
import io.rhizome.transport.libp2p.internal.multiformats.MultiformatException;
import io.rhizome.transport.libp2p.internal.yamux.StreamHandler;
import io.rhizome.transport.libp2p.internal.yamux.YamuxStream;

/**
 * One request and its answer on a fresh relay stream (hop RESERVE or CONNECT, from the client
 * side). The answer is handed over on the connection's event loop together with the bytes that
 * followed it, inside the stream's data callback, so that the caller can take the stream over
 * (a relayed connection) before any further byte arrives.
 */
final class HopExchange implements StreamHandler {

    private final DelimitedMessages in = new DelimitedMessages(CircuitMessage.MAX_MESSAGE);
    /** Receives the answer, the stream it came on, and the bytes that followed it (owned by the callee). */
    @FunctionalInterface
    interface Answer {
        void accept(YamuxStream stream, CircuitMessage answer, ByteBuf rest);
    }

    private final Answer onAnswer;
    private final CompletableFuture<Void> failed = new CompletableFuture<>();
    private boolean answered;

    /**
     * @param onAnswer called once with the answer and what followed it (owned by the callee),
     *        on the event loop, while the stream still has this handler
     */
    private HopExchange(Answer onAnswer) {
        this.onAnswer = onAnswer;
    }

    /**
     * Sends {@code request} on a new hop stream of {@code relay}; the returned future fails if the
     * stream cannot be opened or closes before an answer, else completes once {@code onAnswer} ran.
     */
    static CompletableFuture<Void> run(Libp2pConnection relay, CircuitMessage request, Answer onAnswer) {
        HopExchange ex = new HopExchange(onAnswer);
        relay.newStream(CircuitMessage.HOP, ex).whenComplete((stream, err) -> {
            if (err != null) {
                ex.fail(new RelayException("cannot open a relay stream to " + relay.remotePeer() + ": " + err.getMessage(),
                        Optional.empty()));
                return;
            }
            stream.write(DelimitedMessages.frame(request.encode()));
        });
        return ex.failed;
    }

    @Override
    public void onData(YamuxStream stream, ByteBuf data) {
        if (answered) {
            return;
        }
        CircuitMessage answer;
        try {
            in.add(data);
            Optional<byte[]> msg = in.next();
            if (msg.isEmpty()) {
                return;
            }
            answer = CircuitMessage.decode(true, msg.get());
            if (!answer.isStatus() || answer.status().isEmpty()) {
                throw new MultiformatException("the relay answered with a HopMessage of type " + answer.type() + ", not STATUS");
            }
        } catch (MultiformatException e) {
            answered = true;
            in.release();
            stream.reset();
            fail(new RelayException("malformed answer from relay " + stream.session().peerLabel() + ": " + e.getMessage(),
                    Optional.empty()));
            return;
        }
        answered = true;
        ByteBuf rest = in.rest();
        in.release();
        try {
            onAnswer.accept(stream, answer, rest);
            failed.complete(null);
        } catch (RuntimeException e) {
            stream.reset();
            fail(e);
        }
    }

    @Override
    public void onClose(YamuxStream stream, Throwable cause) {
        if (!answered) {
            answered = true;
            in.release();
            fail(new RelayException("the relay closed the stream before answering"
                    + (cause == null ? "" : ": " + cause.getMessage()), Optional.empty()));
        }
    }

    private void fail(Throwable t) {
        failed.completeExceptionally(t);
    }
}
