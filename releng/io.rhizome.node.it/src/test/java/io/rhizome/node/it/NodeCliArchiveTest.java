package io.rhizome.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The CLI's class-data-sharing archive (written by the launcher, see {@code ./rhizome}): made by
 * the first call, used by the next, and a truncated, emptied, damaged or stale archive never breaks
 * a call — the call answers as usual, the JVM prints nothing about it, and a file of the wrong
 * size is made again. Each test runs on every installed JDK (17 crashed on a truncated archive, 25
 * on a damaged one, when the JVM was left to check them), with its own archive folder
 * ({@code RHIZOME_CLI_CDS_DIR}), so no other test's calls see the files damaged here.
 */
class NodeCliArchiveTest {

    @TempDir
    Path tmp;

    private static NodeProcess.CliResult cli(Path cds, Path jdk, String... args) throws Exception {
        return cliWithInput(cds, jdk, "", args);
    }

    private static NodeProcess.CliResult cliWithInput(Path cds, Path jdk, String input, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(NodeProcess.ROOT.resolve("rhizome").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cds.getParent().toFile());
        pb.environment().putAll(Map.of("RHIZOME_CLI_CDS_DIR", cds.toString(), "RHIZOME_JAVA_HOME", jdk.toString()));
        pb.environment().remove("RHIZOME_CLI_CDS");
        Process p = pb.start();
        p.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("CLI did not finish within 60 s: " + cmd);
        }
        return new NodeProcess.CliResult(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    /** The archive files in {@code cds} (temporary ones included). */
    private static List<Path> files(Path cds) throws IOException {
        if (!Files.isDirectory(cds)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(cds)) {
            return s.sorted().toList();
        }
    }

    /** The one archive in {@code cds}, asserting that its name carries its real size and nothing else is there. */
    private static Path wholeArchive(Path cds, String when) throws Exception {
        List<Path> all = files(cds);
        assertEquals(1, all.size(), when + ": exactly one archive and no temporary file: " + all);
        Path archive = all.get(0);
        String name = archive.getFileName().toString();
        assertTrue(name.startsWith("cli-") && name.endsWith(".jsa"), name);
        String size = name.substring(name.lastIndexOf('.', name.length() - 5) + 1, name.length() - 4);
        assertEquals(Files.size(archive), Long.parseLong(size), when + ": the archive " + name + " is whole");
        assertEquals(cksum(archive), crcInName(name), when + ": the CRC in the name " + name + " is the file's");
        return archive;
    }

    /** The CRC of {@code NAME.cCRC.SIZE.jsa}. */
    static String crcInName(String name) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\.c([0-9]+)\\.[0-9]+\\.jsa$").matcher(name);
        assertTrue(m.find(), "NAME.cCRC.SIZE.jsa: " + name);
        return m.group(1);
    }

    /** The POSIX {@code cksum} CRC of a file, as the launcher computes it. */
    static String cksum(Path file) throws Exception {
        Process p = new ProcessBuilder("cksum", file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "cksum: " + out);
        return out.split(" ")[0];
    }

    /** A status call answers with this node's device id and nothing on standard error. */
    private static void assertStatusAnswers(NodeProcess.CliResult r, String device, String when) throws IOException {
        assertEquals(0, r.exitCode(), when + ": " + r.stderr());
        assertEquals("", r.stderr(), when + ": the JVM says nothing about the archive");
        JsonNode status = NodeProcess.JSON.readTree(r.stdout());
        assertEquals(device, status.path("sync").path("deviceId").asText(), when + ": " + r.stdout());
    }

    private static void assertNoCrashFile(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> crashes = s.filter(p -> p.getFileName().toString().startsWith("hs_err_pid")).toList();
            assertEquals(List.of(), crashes, "no JVM crashed");
        }
    }

    @Test
    void theFirstCallWritesTheArchiveAndATruncatedEmptiedOrDamagedOneNeverBreaksACall() throws Exception {
        Path home = NodeProcess.loopbackHome(tmp, "home");
        try (NodeProcess node = NodeProcess.start(home).awaitReady()) {
            String device = NodeProcess.json(NodeProcess.cli("status", "--home", home.toString(), "--json")).path("sync").path("deviceId").asText();
            assertTrue(!device.isEmpty());
            List<Integer> seen = new ArrayList<>();
            for (Path jdk : NodeJdkTest.installedJdks()) {
                int feature = NodeJdkTest.feature(jdk);
                if (feature < 17 || seen.contains(feature)) {
                    continue;
                }
                seen.add(feature);
                Path cds = Files.createDirectories(tmp.resolve("jdk-" + feature)).resolve("cds");
                String[] status = {"status", "--home", home.toString(), "--json"};

                assertStatusAnswers(cli(cds, jdk, status), device, "JDK " + feature + ", first call");
                Path archive = wholeArchive(cds, "JDK " + feature + " after the first call");
                FileTime written = Files.getLastModifiedTime(archive);
                assertStatusAnswers(cli(cds, jdk, status), device, "JDK " + feature + ", second call");
                assertEquals(archive, wholeArchive(cds, "JDK " + feature + " after the second call"));
                assertEquals(written, Files.getLastModifiedTime(archive), "the second call used the archive as it was");

                try (RandomAccessFile f = new RandomAccessFile(archive.toFile(), "rw")) {
                    f.setLength(f.length() / 2);
                }
                assertStatusAnswers(cli(cds, jdk, status), device, "JDK " + feature + ", truncated archive");
                archive = wholeArchive(cds, "JDK " + feature + " after the call that found it truncated");
                assertStatusAnswers(cli(cds, jdk, status), device, "JDK " + feature + ", the archive made again");

                Files.write(archive, new byte[0]);
                assertStatusAnswers(cli(cds, jdk, status), device, "JDK " + feature + ", empty archive");
                archive = wholeArchive(cds, "JDK " + feature + " after the call that found it empty");

                // damaged in place, same size: the launcher's CRC check finds it, the call runs without it
                // and writes a whole one again
                String crcBefore = crcInName(archive.getFileName().toString());
                try (RandomAccessFile f = new RandomAccessFile(archive.toFile(), "rw")) {
                    byte[] noise = new byte[64 * 1024];
                    new Random(feature).nextBytes(noise);
                    f.seek(f.length() / 3);
                    f.write(noise);
                }
                assertNotEquals(crcBefore, cksum(archive), "the damage changed the file's CRC");
                assertStatusAnswers(cli(cds, jdk, status), device, "JDK " + feature + ", archive damaged in place");
                archive = wholeArchive(cds, "JDK " + feature + " after the call that found it damaged");
                assertStatusAnswers(cli(cds, jdk, "status", "--home", home.toString(), "--json"), device, "JDK " + feature + ", again");

                // an archive older than the jar is stale (the jar was rebuilt): made again
                Files.setLastModifiedTime(archive, FileTime.fromMillis(0));
                assertStatusAnswers(cli(cds, jdk, status), device, "JDK " + feature + ", stale archive");
                archive = wholeArchive(cds, "JDK " + feature + " after the call that found it stale");
                assertTrue(Files.getLastModifiedTime(archive).toMillis() > 0, "a new archive was written");
                assertNoCrashFile(cds.getParent());
            }
            assertTrue(seen.size() >= 1, "no JDK 17+ under /usr/lib/jvm");
        }
    }

    /**
     * The call that writes the archive runs the JVM as a child of the launcher's shell (which renames
     * the file afterwards): standard input still reaches the JVM, and a signal sent to the call's
     * pid stops the JVM too.
     */
    @Test
    void theCallThatWritesTheArchiveReadsStandardInputAndStopsWhenSignalled() throws Exception {
        Path home = NodeProcess.loopbackHome(tmp, "home");
        try (NodeProcess node = NodeProcess.start(home).awaitReady()) {
            Path jdk = Path.of(NodeJdkTest.bestJdk(Map.of()).stdout());
            Path cds = Files.createDirectories(tmp.resolve("stdin")).resolve("cds");
            NodeProcess.CliResult imported = cliWithInput(cds, jdk,
                    "{\"namespace\":\"notes\",\"key\":\"k\",\"type\":\"lww-register\",\"value\":\"from stdin\"}\n",
                    "import", "--home", home.toString(), "-");
            assertEquals(0, imported.exitCode(), imported.stdout() + imported.stderr());
            wholeArchive(cds, "after the import that wrote it");
            assertEquals("\"from stdin\"", NodeProcess.cli("get", "--home", home.toString(), "notes", "k").stdout().strip());

            Path watchCds = Files.createDirectories(tmp.resolve("watch")).resolve("cds");
            Path out = tmp.resolve("watch/out.txt");
            ProcessBuilder pb = new ProcessBuilder(NodeProcess.ROOT.resolve("rhizome").toString(), "watch", "--home", home.toString())
                    .redirectErrorStream(true).redirectOutput(out.toFile());
            pb.environment().putAll(Map.of("RHIZOME_CLI_CDS_DIR", watchCds.toString(), "RHIZOME_JAVA_HOME", jdk.toString()));
            Process watch = pb.start();
            // the JVM is up once the watch sees a write made after it started
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            int n = 0;
            while (!Files.readString(out).contains("notes/w" + (n - 1) + " ") && System.nanoTime() < deadline) {
                assertEquals(0, NodeProcess.cli("put", "--home", home.toString(), "notes", "w" + n, "1").exitCode());
                n++;
                TimeUnit.MILLISECONDS.sleep(200);   // a poll interval, bounded by the deadline above
            }
            assertTrue(Files.readString(out).contains("notes/w" + (n - 1) + " "), "watch saw no write within 60 s: " + Files.readString(out));
            List<ProcessHandle> jvms = watch.descendants().toList();
            assertTrue(!jvms.isEmpty(), "the JVM runs as a child of the launcher's shell");
            watch.destroy();   // SIGTERM to the launcher's pid only
            assertTrue(watch.waitFor(30, TimeUnit.SECONDS), "the call did not stop within 30 s of SIGTERM");
            for (ProcessHandle jvm : jvms) {
                jvm.onExit().get(30, TimeUnit.SECONDS);
                assertTrue(!jvm.isAlive(), "the JVM " + jvm.pid() + " stopped with the call");
            }
        }
    }

    @Test
    void callsStartedTogetherWithoutAnArchiveAllAnswerAndLeaveOneWholeArchive() throws Exception {
        Path home = NodeProcess.loopbackHome(tmp, "home");
        try (NodeProcess node = NodeProcess.start(home).awaitReady()) {
            Path cds = Files.createDirectories(tmp.resolve("together")).resolve("cds");
            Path jdk = Path.of(NodeJdkTest.bestJdk(Map.of()).stdout());
            List<Process> calls = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                ProcessBuilder pb = new ProcessBuilder(NodeProcess.ROOT.resolve("rhizome").toString(), "get", "--home", home.toString(), "nothing", "here")
                        .directory(cds.getParent().toFile()).redirectErrorStream(true)
                        .redirectOutput(tmp.resolve("together/out-" + i + ".txt").toFile());
                pb.environment().putAll(Map.of("RHIZOME_CLI_CDS_DIR", cds.toString(), "RHIZOME_JAVA_HOME", jdk.toString()));
                calls.add(pb.start());
            }
            for (int i = 0; i < calls.size(); i++) {
                Process p = calls.get(i);
                assertTrue(p.waitFor(60, TimeUnit.SECONDS), "call " + i + " did not finish within 60 s");
                String out = Files.readString(tmp.resolve("together/out-" + i + ".txt"));
                assertEquals(1, p.exitValue(), "call " + i + ": " + out);
                assertTrue(out.startsWith("rhizome: unknown namespace 'nothing'"), "call " + i + ": " + out);
            }
            // each call wrote its own archive under a temporary name and renamed it: whatever is
            // left is whole (two of another size may both be left; either serves)
            List<Path> left = files(cds);
            assertTrue(!left.isEmpty(), "an archive was written");
            for (Path archive : left) {
                String name = archive.getFileName().toString();
                assertTrue(name.startsWith("cli-") && name.endsWith(".jsa"), "no temporary file is left: " + left);
                String size = name.substring(name.lastIndexOf('.', name.length() - 5) + 1, name.length() - 4);
                assertEquals(Files.size(archive), Long.parseLong(size), "the archive " + name + " is whole");
            }
            assertNoCrashFile(cds.getParent());
        }
    }
}
