package io.rhizome.transport.libp2p.internal;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ListenPortStore} in a properties file of the node home ({@code p2p-ports.properties}:
 * configured multiaddr = port). Written atomically (temp file + rename) so a crash never leaves a
 * half-written file; an unreadable or invalid file is ignored with a warning (the node then picks
 * fresh ports and rewrites it).
 */
public final class FileListenPortStore implements ListenPortStore {

    public static final String FILE_NAME = "p2p-ports.properties";
    private static final Logger LOG = LoggerFactory.getLogger(FileListenPortStore.class);

    private final Path file;

    public FileListenPortStore(Path file) {
        this.file = file;
    }

    public Path file() {
        return file;
    }

    @Override
    public synchronized Optional<Integer> port(String listenAddress) {
        String v = load().getProperty(listenAddress);
        if (v == null) {
            return Optional.empty();
        }
        try {
            int p = Integer.parseInt(v.strip());
            if (p > 0 && p <= 65535) {
                return Optional.of(p);
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        LOG.warn("{}: ignoring invalid port '{}' for {}", file, v, listenAddress);
        return Optional.empty();
    }

    @Override
    public synchronized void remember(Map<String, Integer> ports) throws IOException {
        Properties p = load();
        boolean changed = false;
        for (Map.Entry<String, Integer> e : ports.entrySet()) {
            changed |= !String.valueOf(e.getValue()).equals(p.put(e.getKey(), String.valueOf(e.getValue())));
        }
        if (!changed) {
            return;
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            p.store(w, "libp2p listen ports the node got for port-0 listen addresses (reused on restart); written by the node");
        }
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private Properties load() {
        Properties p = new Properties();
        if (Files.isRegularFile(file)) {
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                p.load(r);
            } catch (IOException | IllegalArgumentException e) {
                LOG.warn("{} cannot be read ({}); picking fresh listen ports", file, e.getMessage());
                return new Properties();
            }
        }
        return p;
    }
}
