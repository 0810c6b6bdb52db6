package io.rhizome.backup.internal;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.rhizome.api.BackupService.Retention;

/**
 * The node's backup settings, from the framework properties the launcher sets out of
 * {@code rhizome.properties} ({@code backup.to} becomes {@code rhizome.backup.to}, and so on). The
 * launcher refuses a bad value before the node starts; this parse refuses it again for hosts that set
 * the properties themselves, with the same kind of sentence.
 *
 * @param to          the configured target, as a person types it ({@code /absolute/folder},
 *                    {@code synced:/absolute/folder}, {@code gdrive:FOLDER}): {@code backup now} without
 *                    {@code --to}, interval and shutdown backups go there; opened when used, since a
 *                    scheme's bundle may start after this one
 * @param interval    time between interval backups; empty: none
 * @param onShutdown  back up to {@code to} when the node stops cleanly
 * @param retention   applied to {@code to} after each of its backups and by {@code backup prune};
 *                    empty: keep everything
 * @param fullEvery   a full snapshot after this many incrementals in a chain (0: never), so that
 *                    retention has whole older chains to delete
 */
public record BackupSettings(Optional<String> to, Optional<Duration> interval, boolean onShutdown,
        Optional<Retention> retention, int fullEvery) {

    public static final String PREFIX = "rhizome.backup.";
    public static final int DEFAULT_FULL_EVERY = 30;
    private static final Pattern DURATION = Pattern.compile("([0-9]{1,6})([smhd])");

    public static BackupSettings none() {
        return new BackupSettings(Optional.empty(), Optional.empty(), false, Optional.empty(), DEFAULT_FULL_EVERY);
    }

    /** Reads the settings through {@code property} (a framework property lookup: name to value or null). */
    public static BackupSettings parse(UnaryOperator<String> property) {
        Optional<String> to = value(property, "to").map(BackupSettings::target);
        Optional<Duration> interval = value(property, "interval").map(BackupSettings::duration);
        boolean onShutdown = value(property, "onShutdown").map(v -> bool("onShutdown", v)).orElse(true);
        Optional<Integer> last = value(property, "keep.last").map(v -> count("keep.last", v));
        Optional<Integer> hourly = value(property, "keep.hourly").map(v -> count("keep.hourly", v));
        Optional<Integer> daily = value(property, "keep.daily").map(v -> count("keep.daily", v));
        Optional<Duration> maxAge = value(property, "keep.maxAge").map(v -> age("keep.maxAge", v));
        // An age limit alone keeps everything younger than it; with hourly or daily thinning the
        // last one plus the thinned ones, as without an age limit.
        int lastByDefault = maxAge.isPresent() && hourly.isEmpty() && daily.isEmpty() ? Integer.MAX_VALUE : 1;
        Optional<Retention> retention = last.isEmpty() && hourly.isEmpty() && daily.isEmpty() && maxAge.isEmpty() ? Optional.empty()
                : Optional.of(new Retention(last.orElse(lastByDefault), hourly.orElse(0), daily.orElse(0), maxAge.orElse(Duration.ZERO)));
        int fullEvery = value(property, "fullEvery").map(v -> count("fullEvery", v)).orElse(DEFAULT_FULL_EVERY);
        if ((interval.isPresent() || retention.isPresent()) && to.isEmpty()) {
            throw new IllegalArgumentException("backup.interval and backup.keep.* need backup.to (the target to back up to)");
        }
        return new BackupSettings(to, interval, onShutdown && to.isPresent(), retention, fullEvery);
    }

    private static final Pattern SCHEMED = Pattern.compile("[a-z][a-z0-9]{0,31}:\\S.*");

    /** A folder must be absolute; any other target is {@code SCHEME:LOCATION}, checked when opened. */
    static String target(String v) {
        if (SCHEMED.matcher(v).matches() && !v.startsWith("folder:")) {
            return v;
        }
        String folder = v.startsWith("folder:") ? v.substring("folder:".length()) : v;
        try {
            Path p = Path.of(folder);
            if (!p.isAbsolute()) {
                throw new IllegalArgumentException("backup.to must be an absolute folder path or a target such as"
                        + " synced:/absolute/folder or gdrive:FOLDER, not '" + v + "'");
            }
            return p.normalize().toString();
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("backup.to: '" + v + "' is not a folder path: " + e.getReason());
        }
    }

    /** {@code 90s}, {@code 15m}, {@code 6h}, {@code 1d}: a whole number and a unit, at least one second. */
    static Duration duration(String v) {
        return age("interval", v);
    }

    /** As {@link #duration}, naming {@code key} in the refusal. */
    static Duration age(String key, String v) {
        Matcher m = DURATION.matcher(v);
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            throw new IllegalArgumentException("backup." + key + " must be a whole number of s, m, h or d above 0"
                    + " (e.g. 30m, 6h, 1d), not '" + v + "'");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    private static Optional<String> value(UnaryOperator<String> property, String key) {
        String v = property.apply(PREFIX + key);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.strip());
    }

    private static boolean bool(String key, String v) {
        if (!v.equals("true") && !v.equals("false")) {
            throw new IllegalArgumentException("backup." + key + " must be true or false, not '" + v + "'");
        }
        return Boolean.parseBoolean(v);
    }

    private static int count(String key, String v) {
        if (!v.matches("[0-9]{1,6}")) {
            throw new IllegalArgumentException("backup." + key + " must be a whole number from 0 to 999999, not '" + v + "'");
        }
        return Integer.parseInt(v);
    }
}
