package io.rhizome.backup.internal;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.api.BackupException;
import io.rhizome.api.BackupService;
import io.rhizome.api.BackupService.Attempt;
import io.rhizome.api.BackupService.BackupStatus;
import io.rhizome.api.BackupService.Pruned;
import io.rhizome.api.BackupService.Retention;
import io.rhizome.api.NamespaceInfo;
import io.rhizome.api.ReplicaArchive;
import io.rhizome.api.SyncException;
import io.rhizome.api.SyncService;
import io.rhizome.spi.backup.BackupTarget;
import io.rhizome.spi.crypto.CryptoException;
import io.rhizome.spi.crypto.KeyService;
import io.rhizome.spi.crypto.RecoveryService;
import io.rhizome.spi.namespace.SyncScope;

/**
 * {@link BackupService} over the engine's {@link ReplicaArchive}: what to back up (every stream of a
 * namespace that is not local-only, plus the mesh keys), the snapshot format of {@link SnapshotWriter}
 * and {@link SnapshotReader}, and the order of a restore (check everything, then keys, then change sets).
 */
public final class BackupServiceImpl implements BackupService {

    private static final Logger LOG = LoggerFactory.getLogger(BackupServiceImpl.class);

    private final ReplicaArchive archive;
    private final SyncService sync;
    private final Optional<KeyService> keys;
    private final RecoveryService recovery;
    private final int chunkSize;
    private final int fullEvery;
    private final StatusFile status;
    private final TestPause pause;
    private final Supplier<Set<String>> excluded;

    public BackupServiceImpl(ReplicaArchive archive, SyncService sync, Optional<KeyService> keys, RecoveryService recovery,
            int chunkSize) {
        this(archive, sync, keys, recovery, chunkSize, BackupSettings.DEFAULT_FULL_EVERY, new StatusFile(Optional.empty()),
                new TestPause(Optional.empty()));
    }

    BackupServiceImpl(ReplicaArchive archive, SyncService sync, Optional<KeyService> keys, RecoveryService recovery,
            int chunkSize, int fullEvery, StatusFile status, TestPause pause) {
        this.archive = archive;
        this.sync = sync;
        this.keys = keys;
        this.recovery = recovery;
        this.chunkSize = chunkSize;
        this.fullEvery = fullEvery;
        this.status = status;
        this.pause = pause;
        this.excluded = () -> sync.namespaces().stream().filter(n -> n.scope() == SyncScope.LOCAL_ONLY)
                .map(NamespaceInfo::name).collect(Collectors.toSet());
    }

    private BackupKeys ownKeys() throws BackupException {
        try {
            return BackupKeys.fromRecoveryKey(recovery.recoveryKey());
        } catch (CryptoException e) {
            throw new BackupException("this node's recovery key is not available: " + e.getMessage(), e);
        }
    }

    @Override
    public BackupTarget folder(java.nio.file.Path dir) {
        return new FolderTarget(dir);
    }

    @Override
    public Snapshot backup(BackupTarget target, Progress progress) throws BackupException {
        return backup(target, "on demand", progress);
    }

    @Override
    public BackupStatus status() {
        return status.status();
    }

    /** A backup that {@link #status} records with what started it ({@code on demand}, {@code interval}, {@code shutdown}). */
    public Snapshot backup(BackupTarget target, String trigger, Progress progress) throws BackupException {
        return backup(target, trigger, progress, Optional.empty());
    }

    /**
     * A backup then, under the same lock (a list or verify never sees the snapshot before the prune
     * that follows it), the {@code retention} prune; a failed prune is logged, not thrown: the
     * snapshot is written, and the next backup prunes again.
     */
    public synchronized Snapshot backup(BackupTarget target, String trigger, Progress progress, Optional<Retention> retention)
            throws BackupException {
        try {
            Snapshot s = write(target, progress);
            status.record(new Attempt(Instant.now(), target.describe(), trigger, Optional.of(s.id()), Optional.empty()));
            if (retention.isPresent()) {
                try {
                    Pruned p = prune(target, retention.get());
                    LOG.info("retention on {} after snapshot {}: kept {}, deleted {} snapshots", target.describe(), s.id(),
                            p.kept().size(), p.deleted().size());
                } catch (BackupException e) {
                    LOG.warn("retention on {} after snapshot {}: {}", target.describe(), s.id(), e.getMessage());
                }
            }
            return s;
        } catch (BackupException e) {
            status.record(new Attempt(Instant.now(), target.describe(), trigger, Optional.empty(), Optional.of(e.getMessage())));
            throw e;
        }
    }

    private Snapshot write(BackupTarget target, Progress progress) throws BackupException {
        BackupKeys k = ownKeys();
        SnapshotReader reader = new SnapshotReader(target, k);
        try {
            Optional<Manifest> previous = Optional.empty();
            Optional<String> latest = reader.latest();
            if (latest.isPresent()) {
                previous = Optional.of(reader.manifest(latest.get()));
                // A new chain now and then, so that retention can delete the older ones whole.
                if (fullEvery > 0 && reader.chain(latest.get()).size() > fullEvery) {
                    previous = Optional.empty();
                }
            }
            Set<String> skip = excluded.get();
            Map<String, Long> versions = new HashMap<>();
            archive.versions().forEach((stream, seq) -> {
                if (!skip.contains(namespaceOf(stream))) {
                    versions.put(stream, seq);
                }
            });
            keys.ifPresent(ks -> versions.put(MeshKeyRecords.STREAM, MeshKeyRecords.version(ks)));
            // Streams the previous snapshot covered and this node no longer lists stay covered, so the
            // chain's versions only grow.
            Map<String, Long> base = previous.map(Manifest::versions).orElse(Map.of());
            base.forEach((stream, seq) -> versions.merge(stream, seq, Math::max));
            // Sequence numbers are contiguous per stream, so the count is known before the first read.
            long total = 0;
            for (Map.Entry<String, Long> v : versions.entrySet()) {
                total += v.getValue() - base.getOrDefault(v.getKey(), 0L);
            }
            long all = total;
            progress.records(0, all);
            AtomicLong bytes = new AtomicLong();
            AtomicInteger chunks = new AtomicInteger();
            AtomicLong written = new AtomicLong();
            Manifest m = new SnapshotWriter(target, k, chunkSize).write(previous, latest, versions, out -> {
                java.util.function.Consumer<SnapshotRecord> counted = r -> {
                    out.accept(r);
                    progress.records(written.incrementAndGet(), all);
                };
                keys.ifPresent(ks -> MeshKeyRecords.above(ks, base).forEach(counted));
                archive.read(base, ns -> !skip.contains(ns), e -> {
                    // Written after versions() was taken: the next snapshot has it.
                    if (e.seq() <= versions.getOrDefault(e.stream(), 0L)) {
                        counted.accept(new SnapshotRecord(e.stream(), e.seq(), e.changeSet()));
                    }
                });
            }, b -> {
                progress.chunk(bytes.addAndGet(b), chunks.incrementAndGet(), -1);
                pause.afterChunk();
            });
            LOG.info("backup snapshot {} ({}) to {}: {} records in {} chunks", m.snapshot(),
                    m.full() ? "full" : "incremental on " + m.previous().get(), target.describe(), m.records(), m.chunks().size());
            return info(m);
        } catch (BackupRefusedException e) {
            throw new BackupException("cannot add to " + target.describe() + ": " + e.getMessage(), e);
        } catch (IOException | SyncException | IllegalArgumentException e) {
            throw new BackupException("the backup to " + target.describe() + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized Pruned prune(BackupTarget target, Retention retention) throws BackupException {
        try {
            Pruner.Result r = new Pruner(target, new SnapshotReader(target, ownKeys())).prune(retention);
            return new Pruned(r.kept().stream().map(BackupServiceImpl::info).toList(),
                    r.deleted().stream().map(BackupServiceImpl::info).toList());
        } catch (BackupRefusedException e) {
            throw new BackupException("nothing was pruned: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new BackupException("pruning " + target.describe() + " stopped: " + e.getMessage()
                    + "; the snapshots left form whole chains, prune again", e);
        }
    }

    @Override
    public synchronized List<Snapshot> list(BackupTarget target) throws BackupException {
        BackupKeys k = ownKeys();
        SnapshotReader reader = new SnapshotReader(target, k);
        List<Snapshot> out = new ArrayList<>();
        try {
            for (String id : sorted(target)) {
                out.add(info(reader.manifest(id)));
            }
        } catch (BackupRefusedException | IOException e) {
            throw new BackupException(e.getMessage(), e);
        }
        return out;
    }

    @Override
    public synchronized List<Snapshot> verify(BackupTarget target, Progress progress) throws BackupException {
        SnapshotReader reader = new SnapshotReader(target, ownKeys());
        List<Snapshot> out = new ArrayList<>();
        try {
            List<String> ids = sorted(target);
            int total = 0;
            List<Manifest> manifests = new ArrayList<>();
            for (String id : ids) {
                reader.chain(id);
                Manifest m = reader.manifest(id);
                manifests.add(m);
                total += m.chunks().size();
            }
            AtomicLong bytes = new AtomicLong();
            AtomicInteger chunks = new AtomicInteger();
            int all = total;
            for (Manifest m : manifests) {
                reader.verify(List.of(m), b -> progress.chunk(bytes.addAndGet(b), chunks.incrementAndGet(), all));
                out.add(info(m));
            }
        } catch (BackupRefusedException | IOException e) {
            throw new BackupException(e.getMessage(), e);
        }
        return out;
    }

    @Override
    public synchronized Restored restore(BackupTarget target, List<String> words, Progress progress) throws BackupException {
        long held = archive.size();
        if (held > 0) {
            throw new BackupException("this node already holds " + held + " change sets; restore only into a new,"
                    + " empty home (start a daemon with --home on a new folder)");
        }
        BackupKeys k;
        try {
            k = BackupKeys.fromRecoveryKey(recovery.deriveRecoveryKey(words));
        } catch (CryptoException e) {
            throw new BackupException("the recovery words are not valid: " + e.getMessage(), e);
        }
        SnapshotReader reader = new SnapshotReader(target, k);
        try {
            String latest = reader.latest().orElseThrow(() -> new BackupException(target.describe()
                    + " holds no complete snapshot"));
            List<Manifest> chain = reader.chain(latest);
            int total = chain.stream().mapToInt(m -> m.chunks().size()).sum();
            long totalRecords = chain.stream().mapToLong(Manifest::records).sum();
            progress.totals(total, chain.stream().flatMap(m -> m.chunks().stream()).mapToLong(Manifest.ChunkRef::size).sum());
            progress.records(0, totalRecords);
            AtomicLong bytes = new AtomicLong();
            AtomicInteger chunks = new AtomicInteger();
            AtomicLong read = new AtomicLong();
            Restorer restorer = new Restorer(archive, keys);
            try (restorer) {
                reader.read(chain, r -> {
                    restorer.accept(r);
                    progress.records(read.incrementAndGet(), totalRecords);
                }, b -> progress.chunk(bytes.addAndGet(b), chunks.incrementAndGet(), total));
                restorer.finish();
            }
            keepWords(words);
            LOG.info("restored snapshot {} ({} snapshots, {} change sets) from {}", latest, chain.size(),
                    restorer.applied(), target.describe());
            return new Restored(latest, chain.size(), restorer.applied());
        } catch (BackupRefusedException e) {
            throw new BackupException(e.getMessage() + "; nothing was restored", e);
        } catch (IOException e) {
            throw new BackupException("reading " + target.describe() + " failed: " + e.getMessage() + "; nothing was restored", e);
        } catch (SyncException | IllegalStateException e) {
            throw new BackupException("the restore stopped half-way: " + e.getMessage()
                    + "; delete this home and restore again into a new one", e);
        }
    }

    /**
     * The restored device takes over the words its backups are sealed with: otherwise its next
     * backup into the same target would be refused (its own new words do not open the chain) and the
     * old snapshots could be opened only by someone who kept the old words apart from the device.
     */
    private void keepWords(List<String> words) throws BackupException {
        try {
            recovery.adoptMnemonic(words);
        } catch (CryptoException e) {
            throw new BackupException("the backup was restored, but this device could not keep its recovery words ("
                    + e.getMessage() + "); back up into a new folder, opened with this device's own words", e);
        }
    }

    private static List<String> sorted(BackupTarget target) throws IOException {
        List<String> ids = new ArrayList<>(target.snapshots());
        Collections.sort(ids);
        return ids;
    }

    private static Snapshot info(Manifest m) {
        long bytes = m.chunks().stream().mapToLong(Manifest.ChunkRef::size).sum();
        // The mesh keys are records too (numbered epoch + 1, contiguous): not change sets.
        long keyRecords = m.versions().getOrDefault(MeshKeyRecords.STREAM, 0L) - m.base().getOrDefault(MeshKeyRecords.STREAM, 0L);
        return new Snapshot(m.snapshot(), m.previous(), Instant.ofEpochMilli(m.created()), m.records() - keyRecords,
                m.chunks().size(), bytes);
    }

    private static String namespaceOf(String stream) {
        int bar = stream.indexOf('|');
        return bar < 0 ? stream : stream.substring(0, bar);
    }
}
