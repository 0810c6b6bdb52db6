package io.rhizome.transport.cloud;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.spi.transport.StoreAndForward;
import io.rhizome.spi.transport.StoreAndForward.Incoming;
import io.rhizome.transport.cloud.FileSeal.BadFileException;

/**
 * The reader's side of compaction: the batch a channel is read from next is gone because its
 * writer compacted it (this device reads the channel from scratch, or from before the compacted
 * files), so the newest snapshot numbered at or after it that checks is applied whole. A snapshot
 * that does not check is never offered, not one batch of it. Not thread-safe: used within a round.
 */
final class SnapshotReader {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotReader.class);

    /** A snapshot applied: its number (the channel goes on after it) and the change sets it applied. */
    record Read(long seq, int applied) {
    }

    private final CloudStore store;
    private final StoreAndForward engine;
    private final FileSeal seal;
    private final CloudStatus status;
    private final LongSupplier clock;

    SnapshotReader(CloudStore store, StoreAndForward engine, FileSeal seal, CloudStatus status, LongSupplier clock) {
        this.store = store;
        this.engine = engine;
        this.seal = seal;
        this.status = status;
        this.clock = clock;
    }

    /** Applies the highest good snapshot numbered {@code next} or later; empty when there is none, or the engine refused it (status says why). */
    Optional<Read> read(String peer, String channel, long next, TreeMap<Long, List<String>> snapshots) throws IOException {
        for (Map.Entry<Long, List<String>> e : snapshots.tailMap(next, true).descendingMap().entrySet()) {
            for (String name : e.getValue()) {
                SnapshotContent content;
                try {
                    content = SnapshotContent.decode(seal.openNumbered(FileSeal.SNAPSHOT, FileNames.SNAPSHOT, peer, channel, e.getKey(), name,
                            store.read(channel, name)));
                } catch (FileNotFoundException ex) {
                    continue; // gone since the listing
                } catch (BadFileException ex) {
                    LOG.warn("cloud: snapshot file {}/{} from device {} is not used: {}", channel, name, peer, ex.getMessage());
                    status.problem(peer, "snapshot " + e.getKey() + " from " + CloudExchange.shortId(peer) + " is not used: " + ex.getMessage()
                            + (ex.retry() ? "; trying again on the next round" : ""));
                    continue;
                }
                int applied = 0;
                List<String> refused = new ArrayList<>();
                for (byte[] batch : content.batches()) {
                    try {
                        Incoming in = engine.offer(peer, batch);
                        applied += in.applied();
                        refused.addAll(in.refused());
                    } catch (StoreAndForward.RefusedException ex) {
                        // What was offered before stays applied (verified change sets, idempotent); the next round offers it all again.
                        LOG.warn("cloud: snapshot {} from device {} refused by the engine: {}", e.getKey(), peer, ex.getMessage());
                        status.problem(peer, "snapshot " + e.getKey() + " from " + CloudExchange.shortId(peer) + " was refused: " + ex.getMessage());
                        return Optional.empty();
                    }
                }
                LOG.info("cloud: snapshot {} from device {} read ({} change sets applied)", e.getKey(), peer, applied);
                status.received(peer, clock.getAsLong(), refused);
                return Optional.of(new Read(e.getKey(), applied));
            }
        }
        return Optional.empty();
    }
}
