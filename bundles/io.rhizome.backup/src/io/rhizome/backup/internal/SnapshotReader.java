package io.rhizome.backup.internal;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.zip.InflaterInputStream;

import io.rhizome.spi.backup.BackupTarget;

/**
 * Reads snapshots back: the chain a snapshot builds on (back to its full snapshot), every chunk
 * checked against its manifest (presence, owner, size, SHA-256, seal), and the records in order.
 * {@link #read} checks the whole chain before it hands out the first record, so a refused backup
 * gives a caller nothing to write.
 */
public final class SnapshotReader {

    /** More links than this is a loop or a damaged target, not a real chain. */
    private static final int MAX_CHAIN = 100_000;

    private final BackupTarget target;
    private final BackupKeys keys;

    public SnapshotReader(BackupTarget target, BackupKeys keys) {
        this.target = target;
        this.keys = keys;
    }

    /** The newest committed snapshot, by id (ids sort by time). */
    public Optional<String> latest() throws IOException {
        List<String> ids = new ArrayList<>(target.snapshots());
        Collections.sort(ids);
        return ids.isEmpty() ? Optional.empty() : Optional.of(ids.get(ids.size() - 1));
    }

    public Manifest manifest(String snapshot) throws IOException, BackupRefusedException {
        byte[] file = target.readManifest(snapshot).orElseThrow(() -> new BackupRefusedException(
                "snapshot " + snapshot + " is not in " + target.describe()));
        return ManifestCodec.decode(snapshot, file, keys);
    }

    /** The chain that ends in {@code snapshot}, oldest (the full snapshot) first; links checked. */
    public List<Manifest> chain(String snapshot) throws IOException, BackupRefusedException {
        Deque<Manifest> chain = new ArrayDeque<>();
        Set<String> seen = new HashSet<>();
        Manifest m = manifest(snapshot);
        while (true) {
            if (!seen.add(m.snapshot()) || seen.size() > MAX_CHAIN) {
                throw new BackupRefusedException("the chain of snapshot " + snapshot + " loops back to "
                        + m.snapshot() + "; the target is damaged");
            }
            chain.addFirst(m);
            if (m.previous().isEmpty()) {
                return List.copyOf(chain);
            }
            String previous = m.previous().get();
            byte[] file = target.readManifest(previous).orElseThrow(() -> new BackupRefusedException(
                    "snapshot " + chain.getFirst().snapshot() + " builds on snapshot " + previous
                            + ", which is missing from " + target.describe() + "; the chain is broken"));
            Manifest p = ManifestCodec.decode(previous, file, keys);
            if (!p.versions().equals(m.base())) {
                throw new BackupRefusedException("snapshot " + m.snapshot() + " builds on versions that snapshot "
                        + previous + " does not cover; the chain is broken");
            }
            m = p;
        }
    }

    /** Checks every chunk of every snapshot of the chain; reports each chunk to {@code progress}. */
    public void verify(List<Manifest> chain, BackupProgress progress) throws IOException, BackupRefusedException {
        for (Manifest m : chain) {
            for (int i = 0; i < m.chunks().size(); i++) {
                progress.chunkDone(open(m, i).length);
            }
        }
    }

    /**
     * Hands every record of the chain to {@code sink}, oldest snapshot first, after every chunk of
     * the whole chain was checked against its manifest ({@link ChunkCodec#check}: present, owner,
     * size, SHA-256). Chunks are read a second time while decoding, must still match and are opened
     * then (the seal checked once, as they are used).
     */
    public long read(List<Manifest> chain, Consumer<SnapshotRecord> sink, BackupProgress progress)
            throws IOException, BackupRefusedException {
        for (Manifest m : chain) {
            for (int i = 0; i < m.chunks().size(); i++) {
                int index = i;
                byte[] file = target.readChunk(m.snapshot(), i).orElseThrow(() -> new BackupRefusedException(
                        "chunk " + index + " of snapshot " + m.snapshot() + " is missing from " + target.describe()));
                ChunkCodec.check(m.snapshot(), i, m.chunks().get(i), file);
            }
        }
        long total = 0;
        for (Manifest m : chain) {
            total += readOne(m, sink, progress);
        }
        return total;
    }

    private long readOne(Manifest m, Consumer<SnapshotRecord> sink, BackupProgress progress)
            throws IOException, BackupRefusedException {
        ChunkStream chunks = new ChunkStream(m, progress);
        long count = 0;
        try (DataInputStream in = new DataInputStream(new InflaterInputStream(
                new SequenceInputStream(chunks), new java.util.zip.Inflater(), 1 << 16))) {
            while (in.readByte() == 1) {
                String stream = in.readUTF();
                long seq = in.readLong();
                int length = in.readInt();
                if (length < 0 || length > 64 << 20) {
                    throw new BackupRefusedException("snapshot " + m.snapshot() + " holds a record of "
                            + length + " bytes; it is damaged");
                }
                byte[] payload = in.readNBytes(length);
                if (payload.length != length) {
                    throw new EOFException();
                }
                sink.accept(new SnapshotRecord(stream, seq, payload));
                count++;
            }
        } catch (EOFException | java.util.zip.ZipException e) {
            throw new BackupRefusedException("snapshot " + m.snapshot() + " ends inside a record; it is damaged", e);
        } catch (UncheckedIOException e) {
            if (e.getCause() instanceof RefusedIo r) {
                throw r.refused;
            }
            throw e.getCause();
        }
        if (count != m.records()) {
            throw new BackupRefusedException("snapshot " + m.snapshot() + " holds " + count + " records where its"
                    + " manifest lists " + m.records());
        }
        return count;
    }

    private byte[] open(Manifest m, int index) throws IOException, BackupRefusedException {
        byte[] file = target.readChunk(m.snapshot(), index).orElseThrow(() -> new BackupRefusedException(
                "chunk " + index + " of snapshot " + m.snapshot() + " is missing from " + target.describe()));
        return ChunkCodec.open(keys, m.snapshot(), index, m.chunks().get(index), file);
    }

    /** The opened chunks of one snapshot as one input, one chunk in memory at a time. */
    private final class ChunkStream implements Enumeration<InputStream> {
        private final Manifest m;
        private final BackupProgress progress;
        private int next;

        ChunkStream(Manifest m, BackupProgress progress) {
            this.m = m;
            this.progress = progress;
        }

        @Override
        public boolean hasMoreElements() {
            return next < m.chunks().size();
        }

        @Override
        public InputStream nextElement() {
            if (!hasMoreElements()) {
                throw new NoSuchElementException();
            }
            try {
                byte[] piece = open(m, next++);
                progress.chunkDone(piece.length);
                return new ByteArrayInputStream(piece);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (BackupRefusedException e) {
                throw new UncheckedIOException(new RefusedIo(e));
            }
        }
    }

    /** Carries a refusal through the {@link Enumeration} that cannot throw checked exceptions. */
    private static final class RefusedIo extends IOException {
        private static final long serialVersionUID = 1L;
        final transient BackupRefusedException refused;

        RefusedIo(BackupRefusedException refused) {
            super(refused.getMessage());
            this.refused = refused;
        }
    }

}
