package io.rhizome.core.internal.engine;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.rhizome.core.internal.protocol.Message;
import io.rhizome.core.internal.protocol.MessageCodec;
import io.rhizome.core.internal.protocol.ProtocolException;
import io.rhizome.spi.store.StoreException;
import io.rhizome.spi.transport.StoreAndForward;

/**
 * The engine's {@link Outbox} and {@link Inbox} as bytes for store-and-forward transports. A batch
 * is encoded as the {@code EventBatch} a live session would send, so a folder file carries exactly
 * what the wire carries and the receiving inbox checks it the same way.
 */
public final class EngineExchange implements StoreAndForward {

    /** A change set larger than this is never written to a folder (half the 16 MiB wire frame, as on a link). */
    private static final long MAX_CHANGE_SET = 8L << 20;
    private static final int MAX_ENTRIES_PER_READ = 1000;

    private final SyncEngine engine;
    private final MessageCodec codec = new MessageCodec();

    public EngineExchange(SyncEngine engine) {
        this.engine = engine;
    }

    @Override
    public String deviceId() {
        return engine.deviceId();
    }

    @Override
    public Map<String, Long> versions() {
        return engine.versions();
    }

    @Override
    public Optional<Outgoing> next(String peerId, long cursor, Map<String, Long> peerHas, long maxBytes) throws RefusedException {
        // A throwaway outbox: a store-and-forward peer is not woken, it polls; the cursor lives in its folder.
        try (Outbox outbox = engine.outbox(peerId, () -> {
        })) {
            outbox.restart(cursor, peerHas);
            Optional<Outbox.Batch> batch = outbox.next(List.of(), s -> false, MAX_CHANGE_SET, Math.max(1, maxBytes), MAX_ENTRIES_PER_READ, t -> {
            });
            if (batch.isEmpty()) {
                return Optional.empty();
            }
            Outbox.Batch b = batch.get();
            byte[] bytes = codec.encode(new Message.EventBatch(b.endCursor(), b.changeSets(), true));
            return Optional.of(new Outgoing(bytes, b.endCursor(), outbox.known(), b.changeSets().size()));
        } catch (StoreException e) {
            throw new RefusedException("the engine cannot read its log: " + e.getMessage(), e);
        }
    }

    @Override
    public void forwarded(String peerId, Map<String, Long> versions) {
        engine.forwarded(peerId, versions);
    }

    @Override
    public Incoming offer(String peerId, byte[] batch) throws RefusedException {
        List<byte[]> changeSets;
        try {
            if (!(codec.decode(batch) instanceof Message.EventBatch eb)) {
                throw new RefusedException("the bytes from " + peerId + " are not a batch of change sets", null);
            }
            changeSets = eb.changeSets();
        } catch (ProtocolException e) {
            throw new RefusedException("the bytes from " + peerId + " do not decode: " + e.getMessage(), e);
        }
        try {
            Inbox.Received r = engine.inbox().offerAndWait(peerId, changeSets);
            return new Incoming(r.applied(), r.duplicates(), r.versions(), refusals(r.refusals()));
        } catch (BatchRefusedException e) {
            return new Incoming(0, 0, engine.versions(), refusals(e.refusals()));
        } catch (ProtocolException e) {
            throw new RefusedException("the batch from " + peerId + " was refused (" + e.code() + "): " + e.getMessage(), e);
        }
    }

    private static List<String> refusals(List<Message.Refusal> refusals) {
        return refusals.stream().map(r -> r.stream() + " from " + r.seq() + " (" + r.code() + "): " + r.message()).toList();
    }
}
