package io.rhizome.core.internal.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

import io.rhizome.api.ReplicaArchive;
import io.rhizome.api.SyncException;
import io.rhizome.core.internal.protocol.Message;
import io.rhizome.core.internal.protocol.ProtocolException;
import io.rhizome.spi.store.LogEntry;
import io.rhizome.spi.store.ReplicaStore;
import io.rhizome.spi.store.StoreException;

/**
 * The log for backups: read straight from the store in log order (as an outbox does, without the
 * policy, since a backup is this user's own), put back through the inbox as a batch from
 * {@link Inbox#RESTORE_SOURCE}, so a restored change set is checked and applied exactly like one
 * received from a peer and keeps its stream and number.
 */
final class EngineArchive implements ReplicaArchive {

    private static final int READ_ENTRIES = 4096;
    private static final long READ_BYTES = 16L << 20;

    private final ReplicaStore store;
    private final Supplier<Map<String, Long>> versions;
    private final Inbox inbox;

    EngineArchive(ReplicaStore store, Supplier<Map<String, Long>> versions, Inbox inbox) {
        this.store = store;
        this.versions = versions;
        this.inbox = inbox;
    }

    @Override
    public Map<String, Long> versions() {
        return Map.copyOf(versions.get());
    }

    @Override
    public long size() {
        return store.head();
    }

    @Override
    public void read(Map<String, Long> above, Predicate<String> include, Consumer<Entry> sink) {
        long head = store.head();
        long position = 0;
        try {
            while (position < head) {
                List<LogEntry> entries = store.read(position, READ_ENTRIES, READ_BYTES);
                if (entries.isEmpty()) {
                    break;
                }
                for (LogEntry e : entries) {
                    if (e.position() >= head) {
                        return;
                    }
                    if (e.seq() > above.getOrDefault(e.stream(), 0L) && include.test(Streams.namespace(e.stream()))) {
                        sink.accept(new Entry(e.stream(), e.seq(), e.payload()));
                    }
                }
                position = entries.get(entries.size() - 1).position() + 1;
            }
        } catch (StoreException e) {
            throw new SyncException(SyncException.Reason.STORAGE, "the log cannot be read for a backup: " + e.getMessage(), e);
        }
    }

    @Override
    public Restored restore(List<Entry> entries) {
        // Declarations first and on their own: the catalog learns a namespace's type when its
        // declaration is applied, and the data after it must be checked against that type (a peer's
        // session asks again instead; a restore has no second round).
        List<byte[]> declarations = new ArrayList<>();
        List<byte[]> data = new ArrayList<>();
        for (Entry e : entries) {
            (Streams.namespace(e.stream()).equals(NamespaceCatalog.DECLARATIONS) ? declarations : data).add(e.changeSet());
        }
        Restored first = offer(declarations);
        Restored second = offer(data);
        return new Restored(first.applied() + second.applied(), first.duplicates() + second.duplicates());
    }

    private Restored offer(List<byte[]> changeSets) {
        if (changeSets.isEmpty()) {
            return new Restored(0, 0);
        }
        Inbox.Received received;
        try {
            received = inbox.offerAndWait(Inbox.RESTORE_SOURCE, changeSets);
        } catch (ProtocolException e) {
            throw new SyncException(SyncException.Reason.INVALID_VALUE, "the restored change sets were refused: " + e.getMessage(), e);
        }
        if (!received.refusals().isEmpty()) {
            Message.Refusal r = received.refusals().get(0);
            throw new SyncException(SyncException.Reason.INVALID_VALUE, "restored stream " + r.stream() + " from #" + r.seq()
                    + " was refused: " + r.message() + " (" + received.refusals().size() + " streams refused)");
        }
        return new Restored(received.applied(), received.duplicates());
    }
}
