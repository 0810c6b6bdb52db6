package io.rhizome.backup.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.rhizome.api.BackupService.Retention;

/** The backup settings as the launcher hands them over, and each bad value refused with a sentence naming its key. */
class BackupSettingsTest {

    private static BackupSettings parse(Map<String, String> values) {
        return BackupSettings.parse(name -> name.startsWith(BackupSettings.PREFIX)
                ? values.get(name.substring(BackupSettings.PREFIX.length())) : null);
    }

    @Test
    void noSettingsMeanOnDemandOnlyAndKeepEverything() {
        BackupSettings none = parse(Map.of());
        assertEquals(Optional.empty(), none.to());
        assertEquals(Optional.empty(), none.interval());
        assertFalse(none.onShutdown(), "no shutdown backup without a target");
        assertEquals(Optional.empty(), none.retention());
        assertEquals(BackupSettings.DEFAULT_FULL_EVERY, none.fullEvery());
    }

    @Test
    void aTargetWithIntervalRetentionAndFullEvery() {
        BackupSettings s = parse(Map.of("to", "/b/k", "interval", "6h", "keep.hourly", "24", "keep.daily", "30", "fullEvery", "0"));
        assertEquals(Optional.of("/b/k"), s.to());
        assertEquals(Optional.of(Duration.ofHours(6)), s.interval());
        assertTrue(s.onShutdown(), "a shutdown backup by default once there is a target");
        assertEquals(Optional.of(new Retention(1, 24, 30)), s.retention());
        assertEquals(0, s.fullEvery());
        assertFalse(parse(Map.of("to", "/b", "onShutdown", "false")).onShutdown());
        assertEquals(Optional.of(new Retention(Integer.MAX_VALUE, 0, 0, Duration.ofDays(90))),
                parse(Map.of("to", "/b", "keep.maxAge", "90d")).retention(), "an age limit alone keeps everything younger");
        assertEquals(Optional.of(new Retention(1, 24, 30, Duration.ofDays(60))),
                parse(Map.of("to", "/b", "keep.hourly", "24", "keep.daily", "30", "keep.maxAge", "60d")).retention(),
                "hourly for a day, daily for a month, nothing past 60 days");
        assertEquals(Optional.of(new Retention(5, 0, 0, Duration.ofHours(12))),
                parse(Map.of("to", "/b", "keep.last", "5", "keep.maxAge", "12h")).retention());
        assertEquals(Duration.ofSeconds(90), BackupSettings.duration("90s"));
        assertEquals(Duration.ofDays(1), BackupSettings.duration("1d"));
    }

    @Test
    void theTargetIsAFolderOrASchemedTargetOpenedWhenUsed() {
        assertEquals(Optional.of("/b"), parse(Map.of("to", "/a/../b/")).to(), "a folder is normalised");
        assertEquals(Optional.of("/b"), parse(Map.of("to", "folder:/b")).to());
        assertEquals(Optional.of("gdrive:Backups"), parse(Map.of("to", "gdrive:Backups", "interval", "1h")).to(),
                "a Drive folder, opened (signed in or not) only when a backup runs");
        assertEquals(Optional.of("synced:/home/me/Dropbox/rz"), parse(Map.of("to", "synced:/home/me/Dropbox/rz")).to());
        assertTrue(parse(Map.of("to", "gdrive:Backups")).onShutdown());
        for (String bad : new String[] { "folder:relative", "backups", "Gdrive:x", "gdrive: x" }) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(Map.of("to", bad)), bad);
            assertTrue(e.getMessage().contains("backup.to must be an absolute folder path or a target such as"), bad + ": " + e.getMessage());
        }
    }

    @Test
    void badValuesAreRefusedNamingTheKey() {
        Map<Map<String, String>, String> cases = Map.ofEntries(
                Map.entry(Map.of("to", "relative/dir"), "backup.to must be an absolute folder path"),
                Map.entry(Map.of("to", "/b", "interval", "0m"), "backup.interval must be a whole number"),
                Map.entry(Map.of("to", "/b", "interval", "soon"), "backup.interval must be a whole number"),
                Map.entry(Map.of("to", "/b", "onShutdown", "yes"), "backup.onShutdown must be true or false"),
                Map.entry(Map.of("to", "/b", "keep.last", "-1"), "backup.keep.last must be a whole number"),
                Map.entry(Map.of("to", "/b", "keep.last", "0"), "keep.last >= 1"),
                Map.entry(Map.of("to", "/b", "fullEvery", "x"), "backup.fullEvery must be a whole number"),
                Map.entry(Map.of("interval", "1h"), "need backup.to"),
                Map.entry(Map.of("to", "/b", "keep.maxAge", "0d"), "backup.keep.maxAge must be a whole number of s, m, h or d above 0"),
                Map.entry(Map.of("to", "/b", "keep.maxAge", "3 weeks"), "backup.keep.maxAge must be a whole number of s, m, h or d above 0"),
                Map.entry(Map.of("keep.maxAge", "7d"), "need backup.to"),
                Map.entry(Map.of("keep.daily", "7"), "need backup.to"));
        cases.forEach((values, sentence) -> {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(values), values.toString());
            assertTrue(e.getMessage().contains(sentence), values + ": " + e.getMessage());
        });
    }
}
