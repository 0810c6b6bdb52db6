package io.rhizome.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The bars and lines of an import's, export's and pairing's progress, from the daemon's JSON. */
class OperationProgressTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode op(String phase, long done, long total, long elapsed) throws Exception {
        return JSON.readTree("{\"id\":\"import-1\",\"kind\":\"import\",\"state\":\"running\",\"phase\":\"" + phase
                + "\",\"unit\":\"lines\",\"done\":" + done + ",\"total\":" + total + ",\"bytes\":" + done * 100
                + ",\"totalBytes\":" + total * 100 + ",\"elapsedMillis\":" + elapsed + ",\"etaMillis\":3000}");
    }

    @Test
    void anOperationReadsAsPhaseCountsBytesAndEta() throws Exception {
        assertEquals("writing 1,500/5,000 lines, 146.5 KiB/488.3 KiB, ETA 3s", OperationProgress.text(op("writing", 1500, 5000, 100)));
        assertEquals(0.3, OperationProgress.share(op("writing", 1500, 5000, 100)), 1e-9);
        assertTrue(ProgressView.bar(OperationProgress.share(op("writing", 1500, 5000, 100)), "x").startsWith("[#########.....................]  30% x"));
        JsonNode reading = JSON.readTree("{\"phase\":\"reading\",\"unit\":\"bytes\",\"done\":2048,\"total\":4096,\"bytes\":2048,\"totalBytes\":4096}");
        assertEquals("reading 2.0 KiB/4.0 KiB", OperationProgress.text(reading), "a phase counted in bytes is not told twice");
        JsonNode failed = JSON.readTree("{\"id\":\"import-2\",\"state\":\"failed\",\"phase\":\"writing\",\"unit\":\"lines\",\"done\":3,"
                + "\"total\":9,\"bytes\":30,\"totalBytes\":90,\"etaMillis\":0,\"error\":\"line 4: storage full\"}");
        assertEquals("import-2 failed: writing 3/9 lines, 30 B/90 B, failed: line 4: storage full", OperationProgress.statusLine(failed));
    }

    @Test
    void offATerminalAShortOperationSaysNothingAndALongOneALineEveryTwoSeconds() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        ProgressView quiet = new ProgressView(err, "import", false, OperationProgress::text, OperationProgress::share).quietWhenShort();
        quiet.show(op("writing", 5, 10, 10));
        quiet.show(op("writing", 10, 10, 500));
        quiet.end();
        assertEquals("", bytes.toString(StandardCharsets.UTF_8), "an import of half a second leaves standard error to its answer");

        ProgressView slow = new ProgressView(err, "import", false, OperationProgress::text, OperationProgress::share).quietWhenShort();
        slow.show(op("writing", 100, 1000, 1000));
        slow.show(op("writing", 400, 1000, 2100));
        slow.show(op("writing", 500, 1000, 3000));
        slow.show(op("writing", 1000, 1000, 4500));
        slow.end();
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(2, text.lines().count(), "one at 2.1 s, one at 4.5 s: " + text);
        assertTrue(text.startsWith("import: writing 400/1,000 lines"), text);
        assertTrue(text.contains("import: writing 1,000/1,000 lines"), text);
    }

    @Test
    void onATerminalTheBarIsRedrawnInPlace() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        ProgressView bar = new ProgressView(err, "export", true, OperationProgress::text, OperationProgress::share).quietWhenShort();
        bar.show(op("writing", 1, 2, 10));
        bar.show(op("writing", 2, 2, 20));
        bar.end();
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(text.startsWith("\r[###############...............]  50% writing 1/2 lines"), text);
        assertTrue(text.contains("\r[##############################] 100% writing 2/2 lines"), text);
        assertTrue(text.endsWith("\n"), "the bar ends with a newline");
    }

    @Test
    void pairingStagesReadAsWhatTheInviterWaitsFor() throws Exception {
        PairingProgress p = new PairingProgress(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), false);
        assertEquals("waiting for the other device: 280 s left, 3 attempt(s) left",
                p.text(JSON.readTree("{\"stage\":\"waiting-for-joiner\",\"secondsLeft\":280,\"attemptsLeft\":3}")));
        assertEquals("key agreed with dev-b; connecting for the mesh catch-up...",
                p.text(JSON.readTree("{\"stage\":\"connecting\",\"pairedWith\":\"dev-b\"}")));
        assertEquals("mesh catch-up [..............................] 0 / 400 change sets  ETA 8s",
                p.text(JSON.readTree("{\"stage\":\"catching-up\",\"catchUp\":{\"incoming\":100,\"outgoing\":300,\"etaSeconds\":8}}")));
        assertEquals("mesh catch-up [###############...............] 200 / 400 change sets",
                p.text(JSON.readTree("{\"stage\":\"catching-up\",\"catchUp\":{\"incoming\":0,\"outgoing\":200,\"etaSeconds\":null}}")),
                "the bar is against the most seen left");

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PairingProgress plain = new PairingProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), false);
        plain.show(JSON.readTree("{\"stage\":\"waiting-for-joiner\",\"secondsLeft\":280,\"attemptsLeft\":3}"));
        plain.show(JSON.readTree("{\"stage\":\"waiting-for-joiner\",\"secondsLeft\":279,\"attemptsLeft\":3}"));
        plain.show(JSON.readTree("{\"stage\":\"connecting\",\"pairedWith\":\"dev-b\"}"));
        assertEquals(2, bytes.toString(StandardCharsets.UTF_8).lines().count(), "off a terminal one line per stage: " + bytes);
    }

    @Test
    void statusNamesTheEstimatedBytesLeftOfACatchUp() throws Exception {
        assertEquals("1,000 to receive, 0 to send, 200.0 KB in / 0 B out, about 1.0 MB left, ETA 5s", StatusView.progress(JSON.readTree(
                "{\"incoming\":1000,\"outgoing\":0,\"bytesReceived\":204800,\"bytesSent\":0,\"bytesLeftEstimate\":1048576,\"etaSeconds\":5}")));
        assertEquals("1,000 to receive, 0 to send, 0 B in / 0 B out", StatusView.progress(JSON.readTree(
                "{\"incoming\":1000,\"outgoing\":0,\"bytesReceived\":0,\"bytesSent\":0,\"bytesLeftEstimate\":null,\"etaSeconds\":null}")),
                "no estimate before any change set crossed");
    }
}
