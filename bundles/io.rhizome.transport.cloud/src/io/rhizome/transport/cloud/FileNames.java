package io.rhizome.transport.cloud;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/**
 * The names of the numbered files in a channel: {@code SEQ-ADDRESS.rzb} for a batch and
 * {@code SEQ-ADDRESS.rzs} for a snapshot (16 hex digits of the number, then the file's own short
 * hash), so that a name says nothing but an order and a checksum.
 */
final class FileNames {

    static final String BATCH = ".rzb";
    static final String SNAPSHOT = ".rzs";

    private FileNames() {
    }

    static String name(long seq, byte[] file, String suffix) {
        return String.format("%016x-%s%s", seq, FileSeal.address(file), suffix);
    }

    /** Files of one suffix by number; anything else (temporary files, conflict copies, other names) is left out. */
    static TreeMap<Long, List<String>> numbered(Set<String> names, String suffix) {
        TreeMap<Long, List<String>> out = new TreeMap<>();
        for (String n : names) {
            if (n.length() == 16 + 1 + 32 + suffix.length() && n.endsWith(suffix) && n.charAt(16) == '-') {
                try {
                    out.computeIfAbsent(Long.parseUnsignedLong(n.substring(0, 16), 16), k -> new ArrayList<>()).add(n);
                } catch (NumberFormatException e) {
                    // not one of ours
                }
            }
        }
        return out;
    }
}
