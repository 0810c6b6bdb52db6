package io.rhizome.transport.cloud;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.spi.crypto.CryptoException;
import io.rhizome.spi.transport.StoreAndForward;
import io.rhizome.spi.transport.StoreAndForward.Incoming;
import io.rhizome.spi.transport.StoreAndForward.Outgoing;
import io.rhizome.transport.cloud.FileSeal.BadFileException;

/**
 * One device's side of store-and-forward sync through a {@link CloudStore}. Layout: every device
 * has a folder named by a hash of its id; in it, its {@link Manifest} and one channel folder per
 * other device, holding numbered immutable batch files {@code SEQ-ADDRESS.rzb} (the address is the
 * file's own hash). A {@link #round()} reads every trusted device's channel to this device from
 * the number after the last one applied, offers each batch to the engine and advances; then writes
 * what each trusted device lacks (from its manifest's versions and this channel's cursor) as new
 * batch files; then its own manifest; then compacts ({@link Compactor}): its own batch files that
 * their reader's manifest says were applied are replaced by one snapshot file. A channel whose next
 * batch is gone is read from the writer's newest snapshot on.
 *
 * <p>Only trusted devices' folders are read and written: a revoked device's folder is ignored. A
 * file that does not check (partly synced, tampered, foreign, copied from elsewhere, a key epoch
 * not held yet) is never offered; the channel waits at it and the next round tries again, and
 * {@link #status()} names it.
 *
 * <p><b>Threading:</b> one round at a time (callers serialise; the methods are synchronized).
 */
public final class CloudExchange {

    private static final Logger LOG = LoggerFactory.getLogger(CloudExchange.class);
    /** Files read per channel per round: bounds one round's work, the next continues. */
    private static final int MAX_FILES_PER_ROUND = 10_000;

    /**
     * Settings.
     *
     * @param maxBatchBytes  change-set bytes per batch file
     * @param budgetBytes    the size budget of this device's files per reader: past it in unacknowledged batch files, nothing new
     *                       is written for that reader; past it in all its files, what the reader acknowledged is compacted at once
     *                       (retention or not) and status warns while it stays over (unacknowledged files and the newest snapshot
     *                       are never deleted)
     * @param retentionMillis how long an acknowledged batch file stays as it is before it is compacted into a snapshot
     * @param resendMillis   how long after a reader refused a stream it is written for it again (doubling while it stays refused, up to 64 times)
     */
    public record Settings(long maxBatchBytes, long budgetBytes, long retentionMillis, long resendMillis) {
        public static final Settings DEFAULTS = new Settings(1L << 20, 1L << 30, 0, 10_000);

        public Settings(long maxBatchBytes, long budgetBytes, long retentionMillis) {
            this(maxBatchBytes, budgetBytes, retentionMillis, 10_000);
        }
    }

    /** What one round did. */
    public record RoundResult(int filesRead, int changeSetsApplied, int filesWritten, int filesDeleted) {
    }

    private final CloudStore store;
    private final StoreAndForward engine;
    private final FileSeal seal;
    private final Supplier<Set<String>> trusted;
    private final Settings settings;
    private final LongSupplier clock;
    private final CloudStatus status = new CloudStatus();
    private final Resends resends;
    private final Compactor compactor;
    private final SnapshotReader snapshots;
    private Manifest own;

    public CloudExchange(CloudStore store, StoreAndForward engine, FileSeal seal, Supplier<Set<String>> trusted, Settings settings,
            LongSupplier clock) {
        this.store = store;
        this.engine = engine;
        this.seal = seal;
        this.trusted = trusted;
        this.settings = settings;
        this.clock = clock;
        this.resends = new Resends(settings.resendMillis(), clock);
        this.compactor = new Compactor(store, engine, seal, settings, clock);
        this.snapshots = new SnapshotReader(store, engine, seal, status, clock);
    }

    /** Reads, writes, publishes the manifest and compacts, once. */
    public synchronized RoundResult round() throws IOException {
        String me = engine.deviceId();
        String myFolder = FileSeal.folderOf(me);
        store.beginRound();
        if (own == null) {
            own = startingPoint(readManifest(me).orElse(Manifest.EMPTY));
        }
        Set<String> peers = new TreeSet<>(trusted.get());
        peers.remove(me);
        Map<String, Long> read = new TreeMap<>(own.read());
        int filesRead = 0;
        int applied = 0;
        for (String peer : peers) {
            int[] counts = readChannel(peer, myFolder, read);
            filesRead += counts[0];
            applied += counts[1];
        }
        Map<String, Manifest> theirs = new HashMap<>();
        for (String peer : peers) {
            readManifest(peer).ifPresent(m -> theirs.put(peer, m));
        }
        Map<String, Manifest.Channel> written = new TreeMap<>(own.written());
        int filesWritten = 0;
        for (String peer : peers) {
            filesWritten += writeChannel(peer, myFolder, theirs.getOrDefault(peer, Manifest.EMPTY), written);
        }
        Manifest next = own.next(engine.versions(), read, written);
        if (!next.versions().equals(own.versions()) || !next.read().equals(own.read()) || !next.written().equals(own.written())
                || own.generation() == 0) {
            writeSealed(myFolder, Manifest.NAME, FileSeal.MANIFEST, myFolder, next.encode());
            own = next;
        }
        int deleted = 0;
        int files = 0;
        int snapshots = 0;
        long bytes = 0;
        for (String peer : peers) {
            Manifest m = theirs.get(peer);
            String channel = myFolder + "/" + FileSeal.folderOf(peer);
            if (m != null) {
                deleted += compactor.compact(peer, channel, m.readOf(myFolder), problem -> status.problem(peer, problem));
            }
            Compactor.Stored stored = compactor.stored(channel);
            files += stored.batchFiles();
            snapshots += stored.snapshotFiles();
            bytes += stored.bytes();
        }
        status.stored(files, snapshots, bytes);
        status.roundDone(clock.getAsLong());
        return new RoundResult(filesRead, applied, filesWritten, deleted);
    }

    public CloudStatus status() {
        return status;
    }

    public Settings settings() {
        return settings;
    }

    /** Applies the batch files {@code peer} left for this device, in order, from the one after the last applied. */
    private int[] readChannel(String peer, String myFolder, Map<String, Long> read) throws IOException {
        String peerFolder = FileSeal.folderOf(peer);
        String channel = peerFolder + "/" + myFolder;
        CloudStore.Listing listing = store.list(channel);
        TreeMap<Long, List<String>> files = FileNames.numbered(listing.files(), FileNames.BATCH);
        long next = read.getOrDefault(peerFolder, 0L) + 1;
        int filesRead = 0;
        int applied = 0;
        while (filesRead < MAX_FILES_PER_ROUND) {
            List<String> candidates = files.getOrDefault(next, List.of());
            if (candidates.isEmpty()) {
                Optional<SnapshotReader.Read> snapshot = snapshots.read(peer, channel, next, FileNames.numbered(listing.files(), FileNames.SNAPSHOT));
                if (snapshot.isPresent()) {
                    read.put(peerFolder, snapshot.get().seq());
                    applied += snapshot.get().applied();
                    filesRead++;
                    next = snapshot.get().seq() + 1;
                    continue;
                }
                if (FileNames.numbered(listing.pending(), FileNames.BATCH).containsKey(next)) {
                    status.problem(peer, "batch " + next + " from " + shortId(peer) + " is still downloading (a placeholder): waiting for it");
                } else if (files.higherKey(next) != null) {
                    status.problem(peer, "batch " + next + " from " + shortId(peer) + " has not arrived yet but later ones have: waiting for it");
                }
                break;
            }
            Optional<byte[]> content = firstGood(peer, channel, next, candidates);
            if (content.isEmpty()) {
                break;
            }
            Incoming in;
            try {
                in = engine.offer(peer, Arrays.copyOfRange(content.get(), 8, content.get().length));
            } catch (StoreAndForward.RefusedException e) {
                LOG.warn("cloud: batch {} from device {} refused by the engine: {}", next, peer, e.getMessage());
                status.problem(peer, "batch " + next + " from " + shortId(peer) + " was refused: " + e.getMessage());
                break;
            }
            if (!in.refused().isEmpty()) {
                LOG.info("cloud: batch {} from device {}: streams held back: {}", next, peer, in.refused());
            }
            read.put(peerFolder, next);
            applied += in.applied();
            filesRead++;
            status.received(peer, clock.getAsLong(), in.refused());
            next++;
        }
        return new int[] { filesRead, applied };
    }

    /**
     * The content of the first file of number {@code seq} that checks. Several can share a number:
     * one planted by someone with access to the folder, and the writer's own, which it writes under
     * the same number because it does not count files that are not its own.
     */
    private Optional<byte[]> firstGood(String peer, String channel, long seq, List<String> candidates) throws IOException {
        for (String name : candidates) {
            try {
                return Optional.of(checked(peer, channel, seq, name, store.read(channel, name)));
            } catch (FileNotFoundException e) {
                // Gone since the listing: the next round lists again.
            } catch (BadFileException e) {
                LOG.warn("cloud: batch file {}/{} from device {} is not used: {}", channel, name, peer, e.getMessage());
                status.problem(peer, "batch " + seq + " from " + shortId(peer) + " is not used: " + e.getMessage()
                        + (e.retry() ? "; trying again on the next round" : ""));
            }
        }
        return Optional.empty();
    }

    /** A batch file's content (its number, then the batch) once its name, seal, signature and number check. */
    private byte[] checked(String writer, String channel, long seq, String name, byte[] file) throws BadFileException {
        return seal.openNumbered(FileSeal.BATCH, FileNames.BATCH, writer, channel, seq, name, file);
    }

    /**
     * Where this device starts: its manifest in the folder, unless the replica holds less than that
     * manifest says (restored from an older backup, a new home of this identity). Then what it read
     * is not here any more: every channel is read again from the start (from the writers'
     * snapshots), and its own channels are written again from the log's start, so that nothing is
     * taken as delivered on the word of a lost replica.
     */
    private Manifest startingPoint(Manifest fromFolder) {
        Map<String, Long> held = engine.versions();
        boolean lost = fromFolder.versions().entrySet().stream().anyMatch(e -> held.getOrDefault(e.getKey(), 0L) < e.getValue());
        if (!lost) {
            return fromFolder;
        }
        LOG.warn("cloud: this replica holds less than its manifest of generation {} says: reading every channel again from the start",
                fromFolder.generation());
        Map<String, Manifest.Channel> written = new TreeMap<>();
        fromFolder.written().forEach((reader, c) -> written.put(reader, new Manifest.Channel(0, c.seq(), Map.of())));
        return new Manifest(fromFolder.generation(), held, Map.of(), written);
    }

    /** Writes what {@code peer} lacks as new batch files in this device's channel to it. */
    private int writeChannel(String peer, String myFolder, Manifest theirs, Map<String, Manifest.Channel> written) throws IOException {
        String peerFolder = FileSeal.folderOf(peer);
        String channel = myFolder + "/" + peerFolder;
        Manifest.Channel at = written.getOrDefault(peerFolder, Manifest.Channel.START);
        CloudStore.Listing listing = store.list(channel);
        TreeMap<Long, List<String>> existing = FileNames.numbered(listing.files(), FileNames.BATCH);
        long seq = lastOwn(channel, at.seq(), existing);
        Map<String, Long> peerHas = merge(at.peerHas(), theirs.versions());
        long cursor = at.cursor();
        Map<String, Long> refused = Resends.refusedBy(theirs, myFolder, at);
        if (refused.isEmpty()) {
            resends.accepted(peer);
        } else if (resends.due(peer)) {
            // The reader applied every batch written for it, yet holds less of these streams than
            // they carried: it refused them (a namespace not declared there yet, a right not
            // granted). Read the log again from its start with what the reader really holds, so
            // that they go out again — as a live link sends held-back streams again, without a
            // restart. Still refused, they wait twice as long the next time.
            LOG.info("cloud: device {} refused {} before; writing them for it again", peer, refused.keySet());
            peerHas = new HashMap<>(peerHas);
            peerHas.putAll(refused);
            cursor = 0;
        }
        long pendingBytes = existing.size() * (long) FileSeal.PAD;
        int count = 0;
        while (count < MAX_FILES_PER_ROUND) {
            if (pendingBytes >= settings.budgetBytes()) {
                status.problem(peer, "the size budget of " + settings.budgetBytes() + " bytes for batches " + shortId(peer)
                        + " has not acknowledged is reached: nothing more is written until it catches up (raise cloud budgetBytes to write more)");
                break;
            }
            Optional<Outgoing> out;
            try {
                out = engine.next(peer, cursor, peerHas, settings.maxBatchBytes());
            } catch (StoreAndForward.RefusedException e) {
                throw new IOException(e.getMessage(), e);
            }
            if (out.isEmpty()) {
                break;
            }
            seq++;
            byte[] content = java.nio.ByteBuffer.allocate(8 + out.get().batch().length).putLong(seq).put(out.get().batch()).array();
            byte[] file;
            try {
                file = seal.seal(FileSeal.BATCH, channel, content);
            } catch (CryptoException e) {
                throw new IOException("cannot seal a batch file: " + e.getMessage(), e);
            }
            String name = FileNames.name(seq, file, FileNames.BATCH);
            store.write(channel, name, file);
            compactor.written(channel, seq, name, file.length);
            pendingBytes += file.length;
            cursor = out.get().endCursor();
            peerHas = out.get().peerHas();
            count++;
        }
        written.put(peerFolder, new Manifest.Channel(cursor, seq, peerHas));
        engine.forwarded(peer, peerHas);
        return count;
    }

    /**
     * The highest number used in this device's channel: the manifest's, or higher when a batch was
     * written after the last manifest (a crash between the two), so that no number is used twice
     * by this device. Files that are not this device's own do not count.
     */
    private long lastOwn(String channel, long fromManifest, TreeMap<Long, List<String>> existing) throws IOException {
        long seq = fromManifest;
        for (Map.Entry<Long, List<String>> e : existing.tailMap(fromManifest, false).entrySet()) {
            for (String name : e.getValue()) {
                try {
                    checked(engine.deviceId(), channel, e.getKey(), name, store.read(channel, name));
                    seq = Math.max(seq, e.getKey());
                } catch (FileNotFoundException | BadFileException ex) {
                    LOG.debug("cloud: {}/{} is not this device's own batch: {}", channel, name, ex.getMessage());
                }
            }
        }
        return seq;
    }

    /** A device's manifest: the newest generation among it and its conflict copies that check. */
    private Optional<Manifest> readManifest(String device) throws IOException {
        String folder = FileSeal.folderOf(device);
        CloudStore.Listing listing = store.list(folder);
        Manifest best = null;
        for (String name : listing.files()) {
            if (!name.equals(Manifest.NAME) && !Manifest.NAME.equals(listing.conflicts().get(name))) {
                continue;
            }
            try {
                Manifest m = Manifest.decode(seal.open(FileSeal.MANIFEST, device, folder, store.read(folder, name)));
                if (best == null || m.generation() > best.generation()) {
                    best = m;
                }
            } catch (FileNotFoundException e) {
                // Gone between listing and reading: the next round sees the new one.
            } catch (BadFileException | IOException e) {
                LOG.warn("cloud: manifest {}/{} of device {} is not used: {}", folder, name, device, e.getMessage());
            }
        }
        return Optional.ofNullable(best);
    }

    private void writeSealed(String folder, String name, byte kind, String channel, byte[] content) throws IOException {
        try {
            store.write(folder, name, seal.seal(kind, channel, content));
        } catch (CryptoException e) {
            throw new IOException("cannot seal " + name + ": " + e.getMessage(), e);
        }
    }

    private static Map<String, Long> merge(Map<String, Long> a, Map<String, Long> b) {
        Map<String, Long> out = new HashMap<>(a);
        b.forEach((k, v) -> out.merge(k, v, Math::max));
        return out;
    }

    static String shortId(String deviceId) {
        return deviceId.length() > 8 ? deviceId.substring(0, 8) : deviceId;
    }
}
