package io.rhizome.backup.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
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
        assertEquals(Optional.of(Path.of("/b/k")), s.to());
        assertEquals(Optional.of(Duration.ofHours(6)), s.interval());
        assertTrue(s.onShutdown(), "a shutdown backup by default once there is a target");
        assertEquals(Optional.of(new Retention(1, 24, 30)), s.retention());
        assertEquals(0, s.fullEvery());
        assertFalse(parse(Map.of("to", "/b", "onShutdown", "false")).onShutdown());
        assertEquals(Duration.ofSeconds(90), BackupSettings.duration("90s"));
        assertEquals(Duration.ofDays(1), BackupSettings.duration("1d"));
    }

    @Test
    void badValuesAreRefusedNamingTheKey() {
        Map<Map<String, String>, String> cases = Map.of(
                Map.of("to", "relative/dir"), "backup.to must be an absolute folder path",
                Map.of("to", "/b", "interval", "0m"), "backup.interval must be a whole number",
                Map.of("to", "/b", "interval", "soon"), "backup.interval must be a whole number",
                Map.of("to", "/b", "onShutdown", "yes"), "backup.onShutdown must be true or false",
                Map.of("to", "/b", "keep.last", "-1"), "backup.keep.last must be a whole number",
                Map.of("to", "/b", "keep.last", "0"), "keep.last >= 1",
                Map.of("to", "/b", "fullEvery", "x"), "backup.fullEvery must be a whole number",
                Map.of("interval", "1h"), "need backup.to",
                Map.of("keep.daily", "7"), "need backup.to");
        cases.forEach((values, sentence) -> {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(values), values.toString());
            assertTrue(e.getMessage().contains(sentence), values + ": " + e.getMessage());
        });
    }
}
