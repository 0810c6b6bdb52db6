package io.rhizome.transport.cloud;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.spi.crypto.CryptoException;
import io.rhizome.spi.transport.StoreAndForward;
import io.rhizome.spi.transport.StoreAndForward.Outgoing;
import io.rhizome.transport.cloud.FileSeal.BadFileException;

/**
 * Replaces a device's own batch files in one channel by one snapshot file, once the channel's
 * reader acknowledged them (its manifest says it applied them). Channels are per reader — the
 * engine gives each reader only what its policy and scopes let it receive — so the reader whose
 * acknowledgement counts is the channel's; a revoked device's manifest holds back nothing but its
 * own channel, which is no longer written or read.
 *
 * <p>The snapshot is written from the engine's log (everything the reader may receive, from the
 * start), not by joining the files it replaces: it holds at least what they held, and a reader that
 * reads the channel from scratch reads it and goes on after its number. Order, so that a crash at
 * any point leaves a readable folder and the next run completes: the snapshot is written whole
 * (temporary file, renamed) first; then the batch files it stands for are deleted, oldest first;
 * then older snapshots. Only files at or below an acknowledged number are ever covered, so nothing
 * the reader has not applied is deleted; the newest snapshot of this device's is never deleted.
 *
 * <p>Rewriting the snapshot costs the whole log, so it is rewritten only when the acknowledged
 * files after it hold at least a quarter of its size (or the channel is over the size budget, or
 * there is no snapshot yet): the bytes written for snapshots stay within a few times the log's.
 * Acknowledged files younger than the retention time stay as they are unless over budget.
 *
 * <p>Not thread-safe: used within a round.
 */
final class Compactor {

    private static final Logger LOG = LoggerFactory.getLogger(Compactor.class);
    /** Engine batches in one snapshot at most: a log larger than this many batches is not compacted. */
    private static final int MAX_PARTS = 1 << 20;

    /** Where one channel's files of this device's stand. */
    record Stored(int batchFiles, int snapshotFiles, long bytes) {
    }

    private final CloudStore store;
    private final StoreAndForward engine;
    private final FileSeal seal;
    private final CloudExchange.Settings settings;
    private final LongSupplier clock;
    /** channel/seq → when this run wrote that batch file (unknown after a restart: taken as old). */
    private final Map<String, Long> writtenAt = new HashMap<>();
    /** channel/name → bytes, for this device's files whose size this run knows. */
    private final Map<String, Long> sizes = new HashMap<>();
    /** channel/name of snapshots checked to be this device's own, and of names checked not to be. */
    private final Set<String> own = new HashSet<>();
    private final Set<String> notOwn = new HashSet<>();

    Compactor(CloudStore store, StoreAndForward engine, FileSeal seal, CloudExchange.Settings settings, LongSupplier clock) {
        this.store = store;
        this.engine = engine;
        this.seal = seal;
        this.settings = settings;
        this.clock = clock;
    }

    void written(String channel, long seq, String name, long bytes) {
        writtenAt.put(channel + "/" + seq, clock.getAsLong());
        sizes.put(channel + "/" + name, bytes);
    }

    /**
     * Compacts the channel to {@code reader} up to what it acknowledged; returns the files deleted.
     * A problem for status (over budget with nothing acknowledged to compact) goes to {@code problem}.
     */
    int compact(String reader, String channel, long acknowledged, java.util.function.Consumer<String> problem) throws IOException {
        CloudStore.Listing listing = store.list(channel);
        TreeMap<Long, List<String>> batches = FileNames.numbered(listing.files(), FileNames.BATCH);
        TreeMap<Long, List<String>> snapshots = FileNames.numbered(listing.files(), FileNames.SNAPSHOT);
        Optional<Map.Entry<Long, String>> newest = newestOwn(channel, snapshots);
        long covered = newest.map(Map.Entry::getKey).orElse(0L);
        long stored = stored(channel, batches, snapshots).bytes();
        boolean over = stored > settings.budgetBytes();
        long now = clock.getAsLong();
        long upTo = covered;
        long tailBytes = 0;
        for (Map.Entry<Long, List<String>> f : batches.subMap(covered, false, acknowledged, true).entrySet()) {
            Long at = writtenAt.get(channel + "/" + f.getKey());
            if (!over && settings.retentionMillis() > 0 && at != null && now - at < settings.retentionMillis()) {
                break; // kept for the retention time; the ones after it are younger still
            }
            upTo = f.getKey();
            for (String name : f.getValue()) {
                tailBytes += size(channel, name);
            }
        }
        long snapshotBytes = newest.map(e -> size(channel, e.getValue())).orElse(0L);
        if (upTo > covered && (newest.isEmpty() || over || tailBytes * 4 >= snapshotBytes)) {
            String name = writeSnapshot(reader, channel, upTo);
            newest = Optional.of(Map.entry(upTo, name));
            covered = upTo;
        }
        int deleted = 0;
        for (List<String> names : batches.headMap(covered, true).values()) {
            for (String name : names) {
                store.delete(channel, name);
                sizes.remove(channel + "/" + name);
                deleted++;
            }
        }
        batches.headMap(covered, true).keySet().forEach(seq -> writtenAt.remove(channel + "/" + seq));
        String keep = newest.map(Map.Entry::getValue).orElse(null);
        for (List<String> names : snapshots.headMap(covered, true).values()) {
            for (String name : names) {
                if (!name.equals(keep)) {
                    store.delete(channel, name);
                    own.remove(channel + "/" + name);
                    sizes.remove(channel + "/" + name);
                    deleted++;
                }
            }
        }
        if (over) {
            long after = stored(channel, FileNames.numbered(store.list(channel).files(), FileNames.BATCH),
                    FileNames.numbered(store.list(channel).files(), FileNames.SNAPSHOT)).bytes();
            if (after > settings.budgetBytes()) {
                problem.accept("this device's files for " + CloudExchange.shortId(reader) + " take about " + after + " bytes, over the size budget of "
                        + settings.budgetBytes() + ": only what it acknowledged is compacted, its unacknowledged files and the newest snapshot are"
                        + " never deleted (it catches up when it next runs; or raise cloud.budgetMegabytes)");
            }
        }
        if (deleted > 0) {
            LOG.info("cloud: channel to device {} compacted up to batch {} ({} files deleted)", reader, covered, deleted);
        }
        return deleted;
    }

    /** This device's files in a channel: counts and bytes (sizes this run does not know are counted as one padding block). */
    Stored stored(String channel) throws IOException {
        CloudStore.Listing listing = store.list(channel);
        return stored(channel, FileNames.numbered(listing.files(), FileNames.BATCH), FileNames.numbered(listing.files(), FileNames.SNAPSHOT));
    }

    private Stored stored(String channel, TreeMap<Long, List<String>> batches, TreeMap<Long, List<String>> snapshots) {
        long bytes = 0;
        int b = 0;
        int s = 0;
        for (List<String> names : batches.values()) {
            for (String name : names) {
                bytes += size(channel, name);
                b++;
            }
        }
        for (List<String> names : snapshots.values()) {
            for (String name : names) {
                bytes += size(channel, name);
                s++;
            }
        }
        return new Stored(b, s, bytes);
    }

    private long size(String channel, String name) {
        return sizes.getOrDefault(channel + "/" + name, (long) FileSeal.PAD);
    }

    /** The highest-numbered snapshot in the channel that is this device's own (a planted one is not). */
    private Optional<Map.Entry<Long, String>> newestOwn(String channel, TreeMap<Long, List<String>> snapshots) throws IOException {
        for (Map.Entry<Long, List<String>> e : snapshots.descendingMap().entrySet()) {
            for (String name : e.getValue()) {
                String key = channel + "/" + name;
                if (own.contains(key)) {
                    return Optional.of(Map.entry(e.getKey(), name));
                }
                if (notOwn.contains(key)) {
                    continue;
                }
                try {
                    byte[] file = store.read(channel, name);
                    seal.openNumbered(FileSeal.SNAPSHOT, FileNames.SNAPSHOT, engine.deviceId(), channel, e.getKey(), name, file);
                    own.add(key);
                    sizes.put(key, (long) file.length);
                    return Optional.of(Map.entry(e.getKey(), name));
                } catch (FileNotFoundException ex) {
                    // gone since the listing
                } catch (BadFileException ex) {
                    LOG.warn("cloud: {} in this device's channel is not its own snapshot: {}", key, ex.getMessage());
                    if (!ex.retry()) {
                        notOwn.add(key);
                    }
                }
            }
        }
        return Optional.empty();
    }

    /** Writes the snapshot standing for batches up to {@code seq}: everything the reader may receive, from the log's start. */
    private String writeSnapshot(String reader, String channel, long seq) throws IOException {
        List<byte[]> parts = new ArrayList<>();
        long cursor = 0;
        Map<String, Long> peerHas = Map.of();
        while (true) {
            Optional<Outgoing> out;
            try {
                out = engine.next(reader, cursor, peerHas, settings.maxBatchBytes());
            } catch (StoreAndForward.RefusedException e) {
                throw new IOException("cannot read the log for a snapshot: " + e.getMessage(), e);
            }
            if (out.isEmpty()) {
                break;
            }
            if (parts.size() >= MAX_PARTS) {
                throw new IOException("the log for device " + CloudExchange.shortId(reader) + " is over " + MAX_PARTS
                        + " batches: not compacted (its files stay)");
            }
            parts.add(out.get().batch());
            cursor = out.get().endCursor();
            peerHas = out.get().peerHas();
        }
        byte[] file;
        try {
            file = seal.seal(FileSeal.SNAPSHOT, channel, new SnapshotContent(seq, parts).encode());
        } catch (CryptoException e) {
            throw new IOException("cannot seal a snapshot: " + e.getMessage(), e);
        }
        String name = FileNames.name(seq, file, FileNames.SNAPSHOT);
        store.write(channel, name, file);
        own.add(channel + "/" + name);
        sizes.put(channel + "/" + name, (long) file.length);
        LOG.info("cloud: snapshot for device {} up to batch {} written ({} bytes, {} engine batches)", reader, seq, file.length, parts.size());
        return name;
    }
}
