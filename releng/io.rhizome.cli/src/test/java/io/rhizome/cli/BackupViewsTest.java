package io.rhizome.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The backup line of {@code status}, the progress bar and plain lines, and {@code --keep} parsing. */
class BackupViewsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode status(String backup) throws Exception {
        return JSON.readTree("{\"node\": {\"version\": \"0.1.0\", \"home\": \"/h\", \"pid\": 1, \"uptimeMillis\": 1000,"
                + " \"plugins\": 1}, \"sync\": {\"deviceId\": \"DEV\", \"state\": \"offline\", \"connectedPeers\": 0,"
                + " \"pendingMutations\": 0, \"peers\": []}, \"backup\": " + backup + "}");
    }

    @Test
    void statusShowsTheLastGoodBackupWithItsAgeAndAFailedLastOne() throws Exception {
        String at = Instant.now().minusSeconds(125).toString();
        String text = StatusView.render(status("{\"configuredTarget\": \"folder /b\", \"lastGood\": {\"at\": \"" + at
                + "\", \"target\": \"folder /b\", \"trigger\": \"interval\", \"result\": \"ok\", \"snapshot\": \"S1\"},"
                + " \"last\": {\"at\": \"" + at + "\", \"target\": \"folder /b\", \"trigger\": \"shutdown\", \"result\": \"failed\","
                + " \"error\": \"the backup to folder /b failed: disk full\"}}"));
        assertTrue(text.contains("backup:   last good 2m 5s ago (" + at + ", interval), snapshot S1 to folder /b")
                || text.contains("backup:   last good 2m 6s ago (" + at + ", interval), snapshot S1 to folder /b"), text);
        assertTrue(text.contains("BACKUP FAILED " + at + " (shutdown) to folder /b: the backup to folder /b failed: disk full"), text);

        String none = StatusView.render(status("{\"configuredTarget\": \"folder /b\"}"));
        assertTrue(none.contains("backup:   none yet (configured: folder /b)"), none);
        assertFalse(StatusView.render(status("{}")).contains("BACKUP FAILED"));
    }

    private static JsonNode progress(long records, long total, long elapsed) {
        ObjectNode p = JSON.createObjectNode();
        p.put("records", records).put("totalRecords", total).put("bytes", 3 << 20).put("chunks", 1).put("totalChunks", -1)
                .put("elapsedMillis", elapsed);
        if (records > 0) {
            p.put("etaMillis", elapsed * (total - records) / records);
        }
        return p;
    }

    @Test
    void aTerminalGetsOneBarRedrawnAPipeGetsFewPlainLines() {
        assertEquals("[###############...............]  50% 500/1000 records, 1 chunks, 3.0 MiB, ETA 4s",
                ProgressView.bar(progress(500, 1000, 4000)));

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressView tty = new ProgressView(new PrintStream(bytes, true, StandardCharsets.UTF_8), "backup", true);
        tty.show(progress(1, 1000, 10));
        tty.show(progress(1000, 1000, 8000));
        tty.end();
        String drawn = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(drawn.startsWith("\r[") && drawn.contains("\r[##############################] 100% 1000/1000") && drawn.endsWith("\n"),
                drawn);
        assertEquals(1, drawn.chars().filter(c -> c == '\n').count(), "redrawn in place: " + drawn);

        bytes.reset();
        ProgressView plain = new ProgressView(new PrintStream(bytes, true, StandardCharsets.UTF_8), "restore", false);
        for (long t = 0; t <= 5000; t += 200) {
            plain.show(progress(t / 5, 1000, t));
        }
        plain.end();
        String lines = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(4, lines.lines().count(), "one line every 2 s (0, 2, 4 s) and the last one: " + lines);
        assertTrue(lines.lines().allMatch(l -> l.startsWith("restore: ")) && !lines.contains("\r"), lines);
        assertTrue(lines.endsWith("restore: 1000/1000 records, 1 chunks, 3.0 MiB, ETA 0s\n"), lines);
    }

    @Test
    void aTargetWithASchemeGoesAsItIsAndAnythingElseIsAnAbsoluteFolder() {
        ObjectNode drive = JSON.createObjectNode();
        BackupCommands.putTarget(drive, "gdrive:My Backups");
        assertEquals("{\"target\":\"gdrive:My Backups\"}", drive.toString());
        ObjectNode synced = JSON.createObjectNode();
        BackupCommands.putTarget(synced, "synced:/home/me/Dropbox/rz");
        assertEquals("{\"target\":\"synced:/home/me/Dropbox/rz\"}", synced.toString());
        ObjectNode folder = JSON.createObjectNode();
        BackupCommands.putTarget(folder, "backups/../b");
        assertEquals(java.nio.file.Path.of("b").toAbsolutePath().toString(), folder.path("dir").asText());
    }

    @Test
    void keepTakesLastHourlyDailyAndRefusesAnythingElse() {
        ObjectNode keep = JSON.createObjectNode();
        assertNull(BackupCommands.keep("last=3,daily=7", keep));
        assertEquals("{\"last\":3,\"daily\":7}", keep.toString());
        ObjectNode aged = JSON.createObjectNode();
        assertNull(BackupCommands.keep("hourly=24,daily=30,maxAge=90d", aged));
        assertEquals("{\"hourly\":24,\"daily\":30,\"maxAge\":\"90d\"}", aged.toString());
        for (String bad : new String[] {"", "last", "last=x", "weekly=2", "last=3,", "last=-1", "maxAge=90", "maxAge=3w", "last=1d"}) {
            String problem = BackupCommands.keep(bad, JSON.createObjectNode());
            assertTrue(problem != null && problem.contains("--keep takes last=N,hourly=H,daily=D"), bad + ": " + problem);
        }
    }
}
