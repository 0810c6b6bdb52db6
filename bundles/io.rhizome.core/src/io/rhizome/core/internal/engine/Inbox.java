package io.rhizome.core.internal.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import io.rhizome.core.internal.engine.ChangeSetCodec.InvalidChangeSetException;
import io.rhizome.core.internal.protocol.Message;
import io.rhizome.core.internal.protocol.ProtocolException;

/**
 * What enters this replica: sealed change sets from a peer, offered in batches. Any transport
 * uses it the same way — a live session for each {@code EventBatch} it receives, a
 * store-and-forward transport (a cloud folder, a relay) for the bytes it picked up from a peer —
 * and answers the peer with the {@link Received} (or, on refusal, the {@link ProtocolException}).
 *
 * <p><b>All or nothing per stream.</b> A batch is validated before any replica changes. An entry
 * the node cannot take now refuses its stream from that entry on ({@link Received#refusals()});
 * the other streams are applied. If every stream is refused, the offer fails with a
 * {@link BatchRefusedException} listing them; an entry no honest peer sends (undecodable, not
 * opening, a gap) fails it with a {@link ProtocolException} and nothing of it is applied.
 *
 * <p><b>Threading.</b> Decoding, opening (decryption and signature checks) and body decoding
 * happen on the calling thread, so that they overlap with the engine applying earlier batches;
 * everything that depends on the replica state runs on the engine thread. Batches are applied in
 * the order of the calls, and their futures complete in that order, on the engine thread.
 */
public final class Inbox {

    /**
     * The source of change sets put back from a backup ({@code ReplicaArchive.restore}): never a device id
     * (those are base64url), checked like a peer's batch but not by the sync policy, since the user
     * vouched for them by opening the backup with the recovery words.
     */
    public static final String RESTORE_SOURCE = "restore:backup";

    /**
     * The outcome of a batch: what was applied, what the node already held, what it holds now,
     * and the streams refused (each from its {@code seq} on, with the reason).
     */
    public record Received(int applied, int duplicates, Map<String, Long> versions, List<Message.Refusal> refusals) {
    }

    /**
     * One incoming entry, decoded and opened off the engine thread. Failures are kept, not thrown,
     * so the engine reports them at the same point of validation as before (a duplicate is a
     * duplicate even if its body would not open).
     *
     * @param entry       the record; null if undecodable
     * @param body        its opened body; null if it did not open
     * @param decodeError why the entry is undecodable
     * @param openError   why the body did not open or decode
     */
    record Decoded(byte[] raw, LogRecord entry, LogBody body, Exception decodeError, Exception openError) {
    }

    private final GroupCommit commit;
    private final Supplier<ChangeSetSealer> sealer;
    private final ChangeSetCodec codec;
    private final long timeoutMillis;
    private final BooleanSupplier running;

    Inbox(GroupCommit commit, Supplier<ChangeSetSealer> sealer, ChangeSetCodec codec, long timeoutMillis, BooleanSupplier running) {
        this.commit = commit;
        this.sealer = sealer;
        this.codec = codec;
        this.timeoutMillis = timeoutMillis;
        this.running = running;
    }

    /**
     * Offers a batch of encoded change sets from {@code peerId}.
     *
     * @return completes once the batch is durable, or exceptionally (see {@link #asProtocolException})
     */
    public CompletableFuture<Received> offer(String peerId, List<byte[]> changeSets) {
        if (!running.getAsBoolean()) {
            return CompletableFuture.failedFuture(new ProtocolException(ProtocolException.UNAVAILABLE, "the sync engine is stopping"));
        }
        List<Decoded> decoded = new ArrayList<>(changeSets.size());
        ChangeSetSealer s = sealer.get();
        for (byte[] raw : changeSets) {
            decoded.add(decode(raw, s));
        }
        List<Decoded> declarations = declarationsOf(decoded);
        if (!declarations.isEmpty() && declarations.size() < decoded.size()) {
            return declarationsFirst(peerId, declarations, decoded);
        }
        CompletableFuture<Received> done = new CompletableFuture<>();
        commit.remote(peerId, decoded, done);
        return done.orTimeout(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    /** {@link #offer}, waiting for the outcome. */
    public Received offerAndWait(String peerId, List<byte[]> changeSets) throws ProtocolException {
        try {
            return offer(peerId, changeSets).get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw asProtocolException(e.getCause());
        } catch (TimeoutException e) {
            throw new ProtocolException(ProtocolException.UNAVAILABLE, "the engine did not apply the batch in time");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProtocolException(ProtocolException.UNAVAILABLE, "interrupted");
        }
    }

    /** The failure of {@link #offer} as the protocol error to report to the peer. */
    public static ProtocolException asProtocolException(Throwable t) {
        if (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof ProtocolException pe) {
            return pe;
        }
        if (t instanceof TimeoutException) {
            return new ProtocolException(ProtocolException.UNAVAILABLE, "the engine did not apply the batch in time");
        }
        return new ProtocolException(ProtocolException.UNAVAILABLE, "could not apply the batch: " + t.getMessage(), t);
    }

    /** The entries of the reserved declarations namespace, in batch order. */
    private static List<Decoded> declarationsOf(List<Decoded> decoded) {
        List<Decoded> out = new ArrayList<>();
        for (Decoded d : decoded) {
            if (d.entry() instanceof Envelope e && e.namespace().equals(NamespaceCatalog.DECLARATIONS)) {
                out.add(d);
            }
        }
        return out;
    }

    /**
     * Applies the namespace declarations of a batch as a unit of their own, before the rest: data
     * that needs a declaration arrives in the same batch as it (it is logged right before the
     * data), and must not refuse the declaration along with itself — otherwise the receiver
     * never learns the namespace. If the rest is refused, the batch is reported refused (the
     * peer sends it again; the declarations are then duplicates) while the declarations stay,
     * and the catalog's change hook asks the peer for the rest again.
     */
    private CompletableFuture<Received> declarationsFirst(String peerId, List<Decoded> declarations, List<Decoded> all) {
        List<Decoded> rest = new ArrayList<>(all);
        rest.removeAll(declarations);
        CompletableFuture<Received> first = new CompletableFuture<>();
        CompletableFuture<Received> second = new CompletableFuture<>();
        commit.remote(peerId, declarations, first);
        commit.remote(peerId, rest, second);
        // Both complete on the engine thread, the second after the first: the batch's result is the second's.
        return second.handle((r, failure) -> {
            if (failure != null) {
                throw failure instanceof CompletionException ce ? ce : new CompletionException(failure);
            }
            if (first.isCompletedExceptionally()) {
                // Refused declarations must be sent again: the batch as a whole is refused with their reason.
                return first.join();
            }
            Received d = first.join();
            return new Received(d.applied() + r.applied(), d.duplicates() + r.duplicates(), r.versions(), r.refusals());
        }).orTimeout(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    private Decoded decode(byte[] raw, ChangeSetSealer s) {
        LogRecord entry;
        try {
            entry = codec.decodeEntry(raw);
        } catch (InvalidChangeSetException e) {
            return new Decoded(raw, null, null, e, null);
        }
        try {
            return new Decoded(raw, entry, entry.open(s, codec), null, null);
        } catch (ChangeSetSealer.SealException | InvalidChangeSetException | RuntimeException e) {
            return new Decoded(raw, entry, null, null, e);
        }
    }
}
