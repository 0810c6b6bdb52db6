package io.rhizome.transport.cloud.folder;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The names sync clients give the second version of a file: iCloud and macOS {@code NAME 2.EXT},
 * Dropbox {@code NAME (HOST's conflicted copy DATE).EXT}, Syncthing
 * {@code NAME.sync-conflict-DATE-ID.EXT}. Rhizome's own names never contain a space or
 * {@code .sync-conflict-}, so a match is always a copy.
 */
final class ConflictCopies {

    private static final Pattern NUMBERED = Pattern.compile("(.+) \\d+(\\.[^. ]+)?");
    private static final Pattern DROPBOX = Pattern.compile("(.+) \\([^)]*conflicted copy[^)]*\\)(\\.[^. ]+)?");
    private static final Pattern SYNCTHING = Pattern.compile("(.+)\\.sync-conflict-[^.]+(\\.[^.]+)?");

    private ConflictCopies() {
    }

    static Optional<String> originalOf(String name) {
        for (Pattern p : new Pattern[] { DROPBOX, SYNCTHING, NUMBERED }) {
            Matcher m = p.matcher(name);
            if (m.matches()) {
                return Optional.of(m.group(1) + (m.group(2) == null ? "" : m.group(2)));
            }
        }
        return Optional.empty();
    }
}
