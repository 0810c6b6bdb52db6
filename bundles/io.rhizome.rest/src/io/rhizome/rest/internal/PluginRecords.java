package io.rhizome.rest.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.TreeMap;

/**
 * The plugins a user installed, as Rhizome keeps them itself: one file {@code
 * HOME/plugins/SYMBOLIC-NAME.jar} per plugin, written durably (temporary file, fsync, atomic rename,
 * fsync of the folder) before an install or update is answered, and for an uninstalled one a marker
 * {@code SYMBOLIC-NAME.removed} in its place, written before an uninstall is answered (a plugin
 * bundle with neither, installed before these records existed, is left as the framework has it). The framework keeps its own record of installed bundles too, but writes it only every second
 * or so (a state write at every change costs ~2.5 s of CPU per cold start); at start the node
 * makes the framework agree with these files (see {@link PluginBundles#reconcile}), so what a user
 * was told was installed or removed stays so across a {@code kill -9}.
 */
final class PluginRecords {

    static final String FOLDER = "plugins";
    private static final String SUFFIX = ".jar";
    private static final String REMOVED = ".removed";

    private final Path dir;

    PluginRecords(Path home) {
        this.dir = home.resolve(FOLDER);
    }

    /** Keeps {@code jar} as the record of plugin {@code name}, replacing an earlier one or its removal. */
    void keep(String name, byte[] jar) throws IOException {
        write(name, jar, file(name));
        if (Files.deleteIfExists(dir.resolve(name + REMOVED))) {
            syncFolder();
        }
    }

    /** Records that plugin {@code name} was uninstalled (its jar record goes). */
    void markRemoved(String name) throws IOException {
        write(name, new byte[0], dir.resolve(name + REMOVED));
        if (Files.deleteIfExists(file(name))) {
            syncFolder();
        }
    }

    /** Whether plugin {@code name} was uninstalled (and not installed again since). */
    boolean removed(String name) {
        return Files.exists(dir.resolve(name + REMOVED));
    }

    private void write(String name, byte[] jar, Path target) throws IOException {
        Files.createDirectories(dir);
        Path tmp = dir.resolve("." + name + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.wrap(jar);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        syncFolder();
    }

    /** Every recorded plugin: symbolic name to jar bytes, in name order. */
    Map<String, byte[]> all() throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                out.put(name.substring(0, name.length() - SUFFIX.length()), Files.readAllBytes(f));
            }
        }
        return out;
    }

    Path file(String name) {
        return dir.resolve(name + SUFFIX);
    }

    private void syncFolder() throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Some file systems cannot open a folder for fsync; the rename is then as durable as they make it.
        }
    }
}
