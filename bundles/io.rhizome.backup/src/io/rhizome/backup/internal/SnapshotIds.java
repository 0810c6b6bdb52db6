package io.rhizome.backup.internal;

import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** Snapshot ids: UTC time to the millisecond plus 8 random hex digits, so ids sort by time. */
public final class SnapshotIds {

    private static final Pattern VALID = Pattern.compile("[0-9A-Za-z-]{1,64}");
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC);
    private static final SecureRandom RANDOM = new SecureRandom();

    private SnapshotIds() {
    }

    public static String next(Instant now) {
        byte[] r = new byte[4];
        RANDOM.nextBytes(r);
        return TIME.format(now) + "-" + HexFormat.of().formatHex(r);
    }

    public static boolean valid(String id) {
        return id != null && VALID.matcher(id).matches();
    }
}
