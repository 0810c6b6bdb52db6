package io.rhizome.transport.cloud;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.spi.backup.BackupTarget;

/**
 * Backup snapshots in a {@link CloudStore} (a synced folder, Google Drive), as flat files in its
 * folder {@value #FOLDER}: {@code <id>.chunk-NNNNNN} and {@code <id>.manifest}. A cloud store has no
 * rename of a folder, so a snapshot becomes visible by its manifest, written last in one whole-file
 * write (the store's contract: readers see the old file or the whole new one — a temporary file
 * renamed in a synced folder, a single upload on Drive): a snapshot is listed only once its manifest
 * is there, and chunks without a manifest are the leftovers of an upload that did not commit, which
 * {@link #begin} removes. A delete removes the manifest first, so a crash half-way leaves leftovers,
 * never a listed snapshot with chunks missing.
 *
 * <p>What sync clients leave behind: a conflict copy ({@code X 2.manifest}) is never taken for a
 * snapshot; a file not downloaded yet (an iCloud placeholder) is listed when it is a manifest (so a
 * restore does not silently pick an older snapshot) and reading it fails with a sentence saying to
 * wait, as does reading such a chunk.
 *
 * <p><b>Threading:</b> the calls go to the store one at a time ({@code synchronized}).
 */
public final class CloudBackupTarget implements BackupTarget {

    /** The store folder that holds the snapshots, apart from the cloud exchange's folders. */
    public static final String FOLDER = "rhizome-backup";
    private static final Logger LOG = LoggerFactory.getLogger(CloudBackupTarget.class);
    private static final Pattern ID = Pattern.compile("[0-9A-Za-z-]{1,64}");
    private static final Pattern FILE = Pattern.compile("([0-9A-Za-z-]{1,64})\\.(manifest|chunk-[0-9]{6})");
    private static final String MANIFEST = "manifest";

    private final CloudStore store;

    public CloudBackupTarget(CloudStore store) {
        this.store = store;
    }

    @Override
    public String describe() {
        return store.describe();
    }

    @Override
    public synchronized Upload begin(String snapshotId) throws IOException {
        requireId(snapshotId);
        store.beginRound();
        CloudStore.Listing l = store.list(FOLDER);
        Set<String> committed = committed(l);
        if (committed.contains(snapshotId)) {
            throw new FileAlreadyExistsException(describe() + " already holds snapshot " + snapshotId);
        }
        for (String name : l.files()) {
            Matcher m = FILE.matcher(name);
            if (m.matches() && !l.conflicts().containsKey(name) && !committed.contains(m.group(1))) {
                LOG.info("backup target {}: removing {} left by a backup that did not complete", describe(), name);
                store.delete(FOLDER, name);
            }
        }
        return new CloudUpload(snapshotId);
    }

    @Override
    public synchronized List<String> snapshots() throws IOException {
        store.beginRound();
        return new ArrayList<>(committed(store.list(FOLDER)));
    }

    @Override
    public synchronized Optional<byte[]> readManifest(String snapshotId) throws IOException {
        requireId(snapshotId);
        return read(snapshotId + "." + MANIFEST);
    }

    @Override
    public synchronized Optional<byte[]> readChunk(String snapshotId, int index) throws IOException {
        requireId(snapshotId);
        return read(chunkName(snapshotId, index));
    }

    @Override
    public synchronized void delete(String snapshotId) throws IOException {
        requireId(snapshotId);
        CloudStore.Listing l = store.list(FOLDER);
        String manifest = snapshotId + "." + MANIFEST;
        if (!l.files().contains(manifest) && !l.pending().contains(manifest)) {
            return;
        }
        // The manifest first: from then on the snapshot is not listed, and its chunks are leftovers.
        store.delete(FOLDER, manifest);
        for (String name : l.files()) {
            Matcher m = FILE.matcher(name);
            if (m.matches() && m.group(1).equals(snapshotId) && !l.conflicts().containsKey(name)) {
                store.delete(FOLDER, name);
            }
        }
    }

    private Optional<byte[]> read(String name) throws IOException {
        try {
            return Optional.of(store.read(FOLDER, name));
        } catch (FileNotFoundException e) {
            if (store.list(FOLDER).pending().contains(name)) {
                throw new IOException(name + " in " + describe() + " is not downloaded yet by the sync client; wait until it is"
                        + " (or open the folder once to fetch it) and try again", e);
            }
            return Optional.empty();
        }
    }

    /** Ids whose manifest is there, or announced by the sync client and not downloaded yet. */
    private static Set<String> committed(CloudStore.Listing l) {
        Set<String> ids = new HashSet<>();
        for (Set<String> names : List.of(l.files(), l.pending())) {
            for (String name : names) {
                Matcher m = FILE.matcher(name);
                if (m.matches() && m.group(2).equals(MANIFEST) && !l.conflicts().containsKey(name)) {
                    ids.add(m.group(1));
                }
            }
        }
        return ids;
    }

    private static String chunkName(String snapshotId, int index) {
        return snapshotId + "." + String.format("chunk-%06d", index);
    }

    private static void requireId(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException("'" + id + "' is not a snapshot id ([0-9A-Za-z-], 1-64 characters)");
        }
    }

    private final class CloudUpload implements Upload {
        private final String id;
        private int nextIndex;
        private boolean done;

        CloudUpload(String id) {
            this.id = id;
        }

        @Override
        public void writeChunk(int index, byte[] bytes) throws IOException {
            if (done || index != nextIndex) {
                throw new IllegalStateException("chunk " + index + " out of order (next is " + nextIndex + ")");
            }
            synchronized (CloudBackupTarget.this) {
                store.write(FOLDER, chunkName(id, index), bytes);
            }
            nextIndex++;
        }

        @Override
        public void commit(byte[] manifest) throws IOException {
            if (done) {
                throw new IllegalStateException("upload of " + id + " already ended");
            }
            synchronized (CloudBackupTarget.this) {
                store.write(FOLDER, id + "." + MANIFEST, manifest);
            }
            done = true;
            LOG.info("backup snapshot {} written to {} ({} chunks)", id, describe(), nextIndex);
        }

        @Override
        public void abort() {
            if (done) {
                return;
            }
            done = true;
            synchronized (CloudBackupTarget.this) {
                try {
                    for (int i = 0; i < nextIndex; i++) {
                        store.delete(FOLDER, chunkName(id, i));
                    }
                } catch (IOException e) {
                    LOG.warn("backup target {}: cannot remove the chunks of the aborted snapshot {}; the next backup removes them: {}",
                            describe(), id, e.getMessage());
                }
            }
        }
    }
}
