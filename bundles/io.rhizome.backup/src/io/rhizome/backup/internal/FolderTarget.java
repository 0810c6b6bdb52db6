package io.rhizome.backup.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.spi.backup.BackupTarget;

/**
 * Snapshots in a local folder: {@code DIR/<id>/chunk-NNNNNN} and {@code DIR/<id>/manifest}. An upload
 * writes into {@code DIR/.partial-<id>/}, syncs every file and the folder, and becomes visible by one
 * atomic rename, so after a crash (kill -9, power loss) a snapshot is wholly there or not listed; a
 * later {@link #begin} removes the partial folders of uploads that never committed.
 */
public final class FolderTarget implements BackupTarget {

    private static final Logger LOG = LoggerFactory.getLogger(FolderTarget.class);
    static final String PARTIAL = ".partial-";
    static final String MANIFEST = "manifest";

    private final Path root;

    public FolderTarget(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    @Override
    public String describe() {
        return "folder " + root;
    }

    @Override
    public Upload begin(String snapshotId) throws IOException {
        requireId(snapshotId);
        Files.createDirectories(root);
        removePartials();
        if (Files.exists(root.resolve(snapshotId))) {
            throw new FileAlreadyExistsException(root.resolve(snapshotId) + " already holds a snapshot");
        }
        Path partial = Files.createDirectory(root.resolve(PARTIAL + snapshotId));
        return new FolderUpload(partial, root.resolve(snapshotId));
    }

    @Override
    public List<String> snapshots() throws IOException {
        List<String> ids = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return ids;
        }
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root)) {
            for (Path d : dirs) {
                String name = d.getFileName().toString();
                if (!name.startsWith(".") && SnapshotIds.valid(name) && Files.isRegularFile(d.resolve(MANIFEST))) {
                    ids.add(name);
                }
            }
        }
        return ids;
    }

    @Override
    public Optional<byte[]> readManifest(String snapshotId) throws IOException {
        requireId(snapshotId);
        return read(root.resolve(snapshotId).resolve(MANIFEST));
    }

    @Override
    public Optional<byte[]> readChunk(String snapshotId, int index) throws IOException {
        requireId(snapshotId);
        return read(root.resolve(snapshotId).resolve(chunkName(index)));
    }

    @Override
    public void delete(String snapshotId) throws IOException {
        requireId(snapshotId);
        Path dir = root.resolve(snapshotId);
        if (!Files.isDirectory(dir)) {
            return;
        }
        // Hide it first (one rename), so a crash half-way through deleting leaves a partial, not a
        // listed snapshot with chunks missing.
        Path doomed = root.resolve(PARTIAL + "deleted-" + snapshotId);
        Files.move(dir, doomed, StandardCopyOption.ATOMIC_MOVE);
        deleteTree(doomed);
    }

    static String chunkName(int index) {
        return String.format("chunk-%06d", index);
    }

    private void removePartials() throws IOException {
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root, PARTIAL + "*")) {
            for (Path d : dirs) {
                LOG.info("removing {} left by a backup that did not complete", d);
                deleteTree(d);
            }
        }
    }

    private static Optional<byte[]> read(Path file) throws IOException {
        try {
            return Optional.of(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    private static void requireId(String id) {
        if (!SnapshotIds.valid(id)) {
            throw new IllegalArgumentException("'" + id + "' is not a snapshot id ([0-9A-Za-z-], 1-64 characters)");
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static void writeSynced(Path file, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
    }

    private static void syncDirectory(Path dir) {
        // Linux lets a directory be opened and fsynced, which makes the renames durable; other
        // systems refuse, and there the rename's own guarantees are all there is.
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            LOG.debug("cannot sync directory {}: {}", dir, e.toString());
        }
    }

    private final class FolderUpload implements Upload {
        private final Path partial;
        private final Path finalDir;
        private int nextIndex;
        private boolean done;

        FolderUpload(Path partial, Path finalDir) {
            this.partial = partial;
            this.finalDir = finalDir;
        }

        @Override
        public void writeChunk(int index, byte[] bytes) throws IOException {
            if (done || index != nextIndex) {
                throw new IllegalStateException("chunk " + index + " out of order (next is " + nextIndex + ")");
            }
            writeSynced(partial.resolve(chunkName(index)), bytes);
            nextIndex++;
        }

        @Override
        public void commit(byte[] manifest) throws IOException {
            if (done) {
                throw new IllegalStateException("upload of " + finalDir.getFileName() + " already ended");
            }
            writeSynced(partial.resolve(MANIFEST), manifest);
            syncDirectory(partial);
            try {
                Files.move(partial, finalDir, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException(describe() + " cannot rename atomically; choose a local folder", e);
            }
            syncDirectory(root);
            done = true;
            LOG.info("backup snapshot {} written to {} ({} chunks)", finalDir.getFileName(), root, nextIndex);
        }

        @Override
        public void abort() {
            if (done) {
                return;
            }
            done = true;
            try {
                deleteTree(partial);
            } catch (IOException e) {
                LOG.warn("cannot remove {} of an aborted backup; the next backup removes it: {}", partial, e.toString());
            }
        }
    }
}
