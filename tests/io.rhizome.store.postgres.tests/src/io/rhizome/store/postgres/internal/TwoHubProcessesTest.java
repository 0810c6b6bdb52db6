package io.rhizome.store.postgres.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkUtil;

import io.rhizome.testsupport.postgres.PostgresServer;

/**
 * Two hub processes (two JVMs, {@link HubProcess}) on one PostgreSQL database write at the same
 * time, both the same change sets and each its own: every change set is stored once, the two
 * processes' acknowledged appends add up to exactly the distinct change sets, and the log is
 * gap-free.
 */
class TwoHubProcessesTest {

    private static PostgresServer server;

    @TempDir
    Path dir;

    @BeforeAll
    static void startServer() throws Exception {
        server = PostgresServer.start();
        server.createDatabase("twohubs");
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void twoProcessesStoreEveryChangeSetOnce() throws Exception {
        int n = 300;
        Path passwordFile = dir.resolve("password");
        Files.writeString(passwordFile, server.password() + "\n");
        Path go = dir.resolve("go");
        String classPath = childClassPath();
        List<Process> hubs = new ArrayList<>();
        List<BlockingQueue<String>> outputs = new ArrayList<>();
        try {
            for (String own : List.of("hub-a", "hub-b")) {
                Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx128m",
                        "-cp", classPath, HubProcess.class.getName(), server.url("twohubs"), server.user(),
                        passwordFile.toString(), own, Integer.toString(n), go.toString()).redirectErrorStream(true).start();
                hubs.add(p);
                outputs.add(lines(p));
            }
            for (BlockingQueue<String> out : outputs) {
                expectLine(out, "ready", 60);
            }
            Files.createFile(go);
            long appended = 0;
            for (int i = 0; i < hubs.size(); i++) {
                String done = expectLine(outputs.get(i), "appended ", 180);
                appended += Long.parseLong(done.split(" ")[1]);
                assertTrue(hubs.get(i).waitFor(30, TimeUnit.SECONDS), "hub process " + i + " did not exit");
                assertEquals(0, hubs.get(i).exitValue());
            }
            long distinct = 3L * n;
            assertEquals(distinct, appended, "the two processes together appended each change set once");
            assertEquals(Long.toString(distinct), server.sql("twohubs", "SELECT count(*) FROM rhizome_log"));
            assertEquals(Long.toString(n), server.sql("twohubs", "SELECT count(*) FROM rhizome_log WHERE stream = 'shared'"),
                    "the change sets both received are stored once");
            assertEquals("0|" + (distinct - 1) + "|" + distinct,
                    server.sql("twohubs", "SELECT min(position), max(position), count(DISTINCT position) FROM rhizome_log"),
                    "positions are gap-free");
            assertEquals(Long.toString(distinct), server.sql("twohubs", "SELECT next_position FROM rhizome_log_head"));
        } finally {
            for (Process p : hubs) {
                p.destroyForcibly();
            }
        }
    }

    private static BlockingQueue<String> lines(Process p) {
        BlockingQueue<String> q = new LinkedBlockingQueue<>();
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    q.add(line);
                }
            } catch (java.io.IOException ignored) {
                // the process ended
            }
        }, "hub-output-" + p.pid());
        t.setDaemon(true);
        t.start();
        return q;
    }

    private static String expectLine(BlockingQueue<String> out, String prefix, long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        List<String> seen = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            String line = out.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (line == null) {
                break;
            }
            if (line.startsWith(prefix)) {
                return line;
            }
            seen.add(line);
        }
        fail("no line '" + prefix + "...' within " + seconds + " s; the process printed: " + seen);
        return null;
    }

    /** Every bundle of the running framework, as class path entries, except the framework and logback. */
    private static String childClassPath() {
        Bundle self = FrameworkUtil.getBundle(TwoHubProcessesTest.class);
        List<String> entries = new ArrayList<>();
        String area = self.getBundleContext().getProperty("osgi.install.area");
        Path installArea = area != null && area.startsWith("file:") ? Path.of(URI.create(area.replace(" ", "%20")))
                : Path.of("").toAbsolutePath();
        for (Bundle b : self.getBundleContext().getBundles()) {
            String name = String.valueOf(b.getSymbolicName());
            if (b.getBundleId() == 0 || name.startsWith("ch.qos.logback")) {
                continue;
            }
            Path p = locationPath(b.getLocation(), installArea);
            if (p == null || !Files.exists(p)) {
                continue;
            }
            if (Files.isDirectory(p)) {
                Path classes = p.resolve("target").resolve("classes");
                entries.add((Files.isDirectory(classes) ? classes : p).toString());
            } else {
                entries.add(p.toString());
            }
        }
        if (entries.isEmpty()) {
            throw new AssertionError("no bundle location is a file");
        }
        return String.join(File.pathSeparator, entries);
    }

    private static Path locationPath(String location, Path installArea) {
        int at = location.indexOf("file:");
        if (at < 0) {
            return null;
        }
        String path = location.substring(at + "file:".length());
        Path p = Path.of(java.net.URLDecoder.decode(path.replace("+", "%2B"), StandardCharsets.UTF_8));
        return p.isAbsolute() ? p : installArea.resolve(p).normalize();
    }
}
