package io.rhizome.backup.internal;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.rhizome.spi.backup.BackupTarget;
import io.rhizome.spi.backup.BackupTargetFactory;

/**
 * The targets a person types: {@code /absolute/folder} or {@code folder:/absolute/folder} (a local
 * folder), and {@code SCHEME:LOCATION} for every {@link BackupTargetFactory} running, indexed by its
 * {@link BackupTargetFactory#SCHEME} property ({@code synced:/absolute/folder} and
 * {@code gdrive:FOLDER} come with the cloud transport's bundles).
 */
final class TargetSpecs {

    private static final Pattern SCHEMED = Pattern.compile("([a-z][a-z0-9]{0,31}):(.*)", Pattern.DOTALL);
    /** Schemes whose bundles ship with the node: named in the refusal when they are not running. */
    private static final Map<String, String> KNOWN = Map.of("gdrive", "io.rhizome.transport.cloud.gdrive",
            "synced", "io.rhizome.transport.cloud.folder");

    private final Map<String, BackupTargetFactory> factories = new ConcurrentHashMap<>();

    void add(BackupTargetFactory f, Map<String, ?> props) {
        Object scheme = props.get(BackupTargetFactory.SCHEME);
        if (scheme != null) {
            factories.putIfAbsent(scheme.toString(), f);
        }
    }

    void remove(BackupTargetFactory f, Map<String, ?> props) {
        Object scheme = props.get(BackupTargetFactory.SCHEME);
        if (scheme != null) {
            factories.remove(scheme.toString(), f);
        }
    }

    /** The target {@code spec} names; a sentence saying what is wrong otherwise. */
    BackupTarget open(String spec) {
        String s = spec == null ? "" : spec.strip();
        if (s.startsWith("/")) {
            return new FolderTarget(folder(s));
        }
        Matcher m = SCHEMED.matcher(s);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + spec + "' is not a backup target; use " + forms());
        }
        String scheme = m.group(1);
        String location = m.group(2).strip();
        if (scheme.equals("folder")) {
            return new FolderTarget(folder(location));
        }
        BackupTargetFactory f = factories.get(scheme);
        if (f == null) {
            throw new IllegalArgumentException(KNOWN.containsKey(scheme)
                    ? scheme + ": targets need the bundles io.rhizome.transport.cloud and " + KNOWN.get(scheme) + ", which are not running"
                    : "no backup target of kind '" + scheme + "'; use " + forms());
        }
        if (location.isEmpty()) {
            throw new IllegalArgumentException("'" + spec + "' names no location after '" + scheme + ":'");
        }
        return f.open(location);
    }

    private String forms() {
        TreeSet<String> schemes = new TreeSet<>(factories.keySet());
        StringBuilder b = new StringBuilder("/absolute/folder");
        for (String s : schemes) {
            b.append(", ").append(s).append(s.equals("gdrive") ? ":FOLDER" : s.equals("synced") ? ":/absolute/folder" : ":LOCATION");
        }
        return b.toString();
    }

    private static Path folder(String location) {
        try {
            Path p = Path.of(location);
            if (!p.isAbsolute()) {
                throw new IllegalArgumentException("a backup folder must be an absolute path, not '" + location + "'");
            }
            return p.normalize();
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("'" + location + "' is not a folder path: " + e.getReason());
        }
    }
}
