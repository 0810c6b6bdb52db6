package io.rhizome.store.mapdb.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkUtil;

import io.rhizome.spi.store.LogEntry;

/**
 * {@code kill -9} during writes: a child JVM ({@link CrashWriter}) appends from several threads and
 * reports every acknowledged entry; the test kills it with SIGKILL at a different moment each
 * round, re-opens the folder, and checks that every acknowledged entry is there, that no call is
 * half there, and that positions are gap-free. The next round's child resumes on the same files.
 */
class CrashKillTest {

    private static final int THREADS = 4;
    /** Acknowledged entries to wait for before each kill: early, mid-stream, and deep into a run. */
    private static final int[] KILL_AFTER = {1, 300, 3_000, 60, 9_000};

    @TempDir
    Path folder;

    @Test
    void killedMidWriteLosesNothingAcknowledgedAndLeavesNoHalfCall() throws Exception {
        String classPath = childClassPath();
        Map<String, Long> acknowledged = new HashMap<>();
        Map<String, Long> ackPositions = new ConcurrentHashMap<>();
        for (int round = 0; round < KILL_AFTER.length; round++) {
            Path stderr = folder.resolve("child-" + round + ".err");
            Process child = new ProcessBuilder(javaExecutable(), "-Xmx256m", "-cp", classPath,
                    CrashWriter.class.getName(), folder.resolve("data").toString(), Integer.toString(THREADS))
                    .redirectError(stderr.toFile()).start();
            ConcurrentHashMap<String, Long> roundAcks = new ConcurrentHashMap<>();
            AtomicInteger ackCount = new AtomicInteger();
            AtomicReference<String> problem = new AtomicReference<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(
                        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        if (line.startsWith("ACK ")) {
                            String[] f = line.split(" ");
                            roundAcks.merge(f[1], Long.parseLong(f[2]), Math::max);
                            ackPositions.put(f[1] + "/" + f[2], Long.parseLong(f[3]));
                            ackCount.incrementAndGet();
                        } else if (line.startsWith("ERROR ")) {
                            problem.set(line);
                        }
                    }
                } catch (Exception e) {
                    // the pipe breaks when the child is killed
                }
            });
            reader.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (ackCount.get() < KILL_AFTER[round] && problem.get() == null && child.isAlive()) {
                if (System.nanoTime() > deadline) {
                    child.destroyForcibly();
                    fail("round " + round + ": only " + ackCount.get() + " acks in 90 s; child stderr: "
                            + Files.readString(stderr));
                }
                Thread.onSpinWait();
                Thread.sleep(1);
            }
            if (problem.get() != null || !child.isAlive()) {
                child.destroyForcibly();
                fail("round " + round + ": child failed before the kill: " + problem.get() + "; stderr: "
                        + Files.readString(stderr) + "; class path: " + classPath);
            }
            child.destroyForcibly(); // SIGKILL on Linux
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the killed child exits");
            reader.join(TimeUnit.SECONDS.toMillis(30));
            roundAcks.forEach((author, seq) -> acknowledged.merge(author, seq, Math::max));
            verify(round, acknowledged, ackPositions);
        }
    }

    private void verify(int round, Map<String, Long> acknowledged, Map<String, Long> ackPositions) throws Exception {
        try (MapDbReplicaStore store = MapDbReplicaStore.open(StoreSettings.defaults(folder.resolve("data")), TestStoreKey.KEY)) {
            long head = store.head();
            List<LogEntry> log = new ArrayList<>();
            for (long from = 0; from < head; ) {
                List<LogEntry> page = store.read(from, 5_000, Long.MAX_VALUE);
                assertTrue(!page.isEmpty(), "round " + round + ": the log ends at " + from + " below head " + head);
                log.addAll(page);
                from = page.get(page.size() - 1).position() + 1;
            }
            assertEquals(head, log.size(), "round " + round + ": one entry per position below the head");
            Map<String, Long> maxSeq = new HashMap<>();
            for (int i = 0; i < log.size(); i++) {
                LogEntry e = log.get(i);
                assertEquals(i, e.position(), "round " + round + ": positions are gap-free");
                long previous = maxSeq.getOrDefault(e.stream(), 0L);
                assertEquals(previous + 1, e.seq(), "round " + round + ": " + e.stream() + "'s seqs are contiguous");
                maxSeq.put(e.stream(), e.seq());
                assertArrayEquals(CrashWriter.payload(e.stream(), e.seq()), e.payload(),
                        "round " + round + ": payload of " + e.stream() + "/" + e.seq() + " is intact");
            }
            for (Map.Entry<String, Long> a : maxSeq.entrySet()) {
                assertEquals(0, a.getValue() % CrashWriter.PER_CALL,
                        "round " + round + ": " + a.getKey() + " ends inside a call (seq " + a.getValue() + ")");
                byte[] last = store.meta("last/" + a.getKey()).orElseThrow();
                assertArrayEquals(CrashWriter.longBytes(a.getValue()), last,
                        "round " + round + ": the metadata written with the last call is there, and no newer");
            }
            assertEquals(maxSeq, store.streamSeqs(), "round " + round + ": authorSeqs match the log");
            for (Map.Entry<String, Long> a : acknowledged.entrySet()) {
                assertTrue(maxSeq.getOrDefault(a.getKey(), 0L) >= a.getValue(), "round " + round + ": "
                        + a.getKey() + "/" + a.getValue() + " was acknowledged but is not in the log");
            }
            for (Map.Entry<String, Long> p : ackPositions.entrySet()) {
                String[] as = p.getKey().split("/");
                LogEntry e = store.get(as[0], Long.parseLong(as[1])).orElseThrow(
                        () -> new AssertionError("acknowledged " + p.getKey() + " is missing"));
                assertEquals(p.getValue(), e.position(), "acknowledged " + p.getKey() + " kept its position");
            }
        }
    }

    private static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Every bundle of the running framework, as class path entries, except the framework and logback. */
    private static String childClassPath() {
        Bundle self = FrameworkUtil.getBundle(CrashKillTest.class);
        List<String> entries = new ArrayList<>();
        List<String> unusable = new ArrayList<>();
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
                unusable.add(b.getLocation());
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
            throw new AssertionError("no bundle location is a file; locations: " + unusable);
        }
        return String.join(File.pathSeparator, entries);
    }

    /**
     * Bundle locations look like {@code initial@reference:file:...} or {@code reference:file:...};
     * relative ones are relative to the install area.
     */
    private static Path locationPath(String location, Path installArea) {
        int at = location.indexOf("file:");
        if (at < 0) {
            return null;
        }
        String path = location.substring(at + "file:".length());
        Path p = Path.of(java.net.URLDecoder.decode(path.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8));
        return p.isAbsolute() ? p : installArea.resolve(p).normalize();
    }
}
