package io.rhizome.transport.cloud.folder;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import io.rhizome.transport.cloud.CloudStore;

/**
 * A folder that a sync client mirrors between devices: the iCloud Drive container, Dropbox,
 * Syncthing, a NAS share. The sync client, not Rhizome, moves the files, so this store copes with
 * what sync clients leave behind: a file not downloaded yet appears as an iCloud placeholder
 * {@code .NAME.icloud} (listed as pending: the exchange waits for it), two versions of one file
 * become a conflict copy ({@code NAME 2.EXT}, Dropbox's {@code NAME (… conflicted copy …).EXT},
 * Syncthing's {@code NAME.sync-conflict-….EXT}; listed with the name they copy), and a file still
 * being written by the client reads short (the exchange's checksum catches it). Rhizome's own
 * writes go to a temporary file that is flushed and then renamed over the target, so that a sync
 * client never uploads half a file of ours.
 */
public final class FolderStore implements CloudStore {

    private static final String TEMP_PREFIX = ".rz-tmp-";

    private final Path root;

    public FolderStore(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    @Override
    public Listing list(String folder) throws IOException {
        Path dir = resolve(folder);
        if (!Files.isDirectory(dir)) {
            return Listing.EMPTY;
        }
        Set<String> files = new HashSet<>();
        Set<String> pending = new HashSet<>();
        Map<String, String> conflicts = new HashMap<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (name.startsWith(TEMP_PREFIX) || !Files.isRegularFile(p)) {
                    continue;
                }
                Optional<String> placeholder = ICloud.placeholderOf(name);
                if (placeholder.isPresent()) {
                    pending.add(placeholder.get());
                    ICloud.requestDownload(p);
                    continue;
                }
                Optional<String> original = ConflictCopies.originalOf(name);
                if (original.isPresent()) {
                    conflicts.put(name, original.get());
                }
                files.add(name);
            }
        } catch (NoSuchFileException e) {
            return Listing.EMPTY;
        }
        return new Listing(Set.copyOf(files), Set.copyOf(pending), Map.copyOf(conflicts));
    }

    @Override
    public byte[] read(String folder, String name) throws IOException {
        try {
            return Files.readAllBytes(resolve(folder).resolve(checkName(name)));
        } catch (NoSuchFileException e) {
            throw new java.io.FileNotFoundException(folder + "/" + name + " is not in " + root);
        }
    }

    @Override
    public void write(String folder, String name, byte[] bytes) throws IOException {
        Path dir = resolve(folder);
        Files.createDirectories(dir);
        Path target = dir.resolve(checkName(name));
        Path temp = dir.resolve(TEMP_PREFIX + UUID.randomUUID());
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                // Some network shares cannot rename atomically; the checksum still catches a half-visible file.
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    @Override
    public void delete(String folder, String name) throws IOException {
        Files.deleteIfExists(resolve(folder).resolve(checkName(name)));
    }

    @Override
    public String describe() {
        return "folder " + root;
    }

    private Path resolve(String folder) {
        Path p = root;
        for (String part : folder.split("/")) {
            p = p.resolve(checkName(part));
        }
        return p;
    }

    /** Names come from the exchange and the listing; nothing may climb out of the root. */
    private static String checkName(String name) {
        if (name.isEmpty() || name.equals(".") || name.equals("..") || name.contains("/") || name.contains("\\")) {
            throw new IllegalArgumentException("not a plain file name: '" + name + "'");
        }
        return name;
    }
}
