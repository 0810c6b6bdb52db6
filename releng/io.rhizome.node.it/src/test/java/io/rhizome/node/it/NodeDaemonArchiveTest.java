package io.rhizome.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon's class-data-sharing archive (the launcher's {@code framework_cds}): a daemon started
 * without one writes it as it stops (SIGTERM), the next start checks it in a throwaway JVM, adopts
 * it and uses it; a file left by a JVM cut off while writing (here: garbage) is deleted, not used;
 * an adopted archive damaged in place is not used and the daemon starts and stops as always. Each
 * run has its own archive folder ({@code RHIZOME_CLI_CDS_DIR}), so no other test sees these files.
 */
class NodeDaemonArchiveTest {

    @TempDir
    Path tmp;

    private static List<Path> files(Path dir, String glob) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileSystem().getPathMatcher("glob:" + glob).matches(p.getFileName())).toList();
        }
    }

    /**
     * The bytes of class-data archives the daemon's JVM uses ({@code jcmd PID VM.info}: "CDS
     * archive(s) mapped at: [...), size N"): the JDK's own archive, plus the dynamic one when it was
     * taken (a rejected one is mapped for its check, then not counted).
     */
    private static long archiveBytesInUse(NodeProcess node) throws Exception {
        Path exe = Path.of("/proc", Long.toString(node.process.pid()), "exe").toRealPath();
        Process jcmd = new ProcessBuilder(exe.resolveSibling("jcmd").toString(), Long.toString(node.process.pid()), "VM.info")
                .redirectErrorStream(true).start();
        String out = new String(jcmd.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(jcmd.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "jcmd answered");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("CDS archive\\(s\\) mapped at: \\[[^)]*\\), size (\\d+)").matcher(out);
        assertTrue(m.find(), "jcmd VM.info names the mapped archives:\n" + out);
        return Long.parseLong(m.group(1));
    }

    @Test
    void aStoppedDaemonLeavesAnArchiveTheNextStartChecksAdoptsAndMapsAndADamagedOneIsNotUsed() throws Exception {
        Path cds = Files.createDirectories(tmp.resolve("cds"));
        Map<String, String> env = Map.of("RHIZOME_CLI_CDS_DIR", cds.toString());
        Path home = NodeProcess.loopbackHome(tmp, "home");

        NodeProcess first = NodeProcess.start(home, env).awaitReady();
        try (first) {
            assertEquals(143, first.terminate(), "SIGTERM: 128+15\n" + first.output());
        }
        List<Path> written = files(cds, "daemon-*.pid" + first.process.pid() + ".tmp");
        assertEquals(1, written.size(), "the stopped daemon wrote its archive: " + files(cds, "*"));
        assertTrue(Files.size(written.get(0)) > 1_000_000, "a whole archive: " + Files.size(written.get(0)) + " bytes");
        String key = written.get(0).getFileName().toString().replaceFirst("\\.pid[0-9]+\\.tmp$", "");
        // What a JVM killed while writing could leave (its pid is long gone): never adopted, deleted.
        Path cutOff = cds.resolve(key + ".pid2000000000.tmp");
        Files.write(cutOff, new byte[4096]);

        Path archive;
        long withArchive;
        try (NodeProcess second = NodeProcess.start(home, env).awaitReady()) {
            List<Path> adopted = files(cds, key + ".*.jsa");
            assertEquals(1, adopted.size(), "adopted: " + files(cds, "*"));
            archive = adopted.get(0);
            assertEquals(key + ".c" + NodeCliArchiveTest.cksum(archive) + "." + Files.size(archive) + ".jsa", archive.getFileName().toString(),
                    "its CRC and size are in its name");
            assertEquals(List.of(), files(cds, "*.tmp"), "the written file was renamed, the cut-off one deleted");
            withArchive = archiveBytesInUse(second);
            assertEquals(0, NodeProcess.cli("put", "notes", "k", "\"v\"", "--home", home.toString()).exitCode());
            assertEquals(143, second.terminate(), second.output());
        }
        assertEquals(List.of(), files(cds, "*.tmp"), "a daemon started with an archive writes none");

        // Damaged in place (same size): the launcher's CRC check rejects it and the daemon runs without it.
        long archiveSize = Files.size(archive);
        try (RandomAccessFile f = new RandomAccessFile(archive.toFile(), "rw")) {
            f.seek(f.length() / 2);
            f.write(new byte[8192]);
        }
        try (NodeProcess third = NodeProcess.start(home, env).awaitReady()) {
            assertFalse(Files.exists(archive), "the damaged archive was deleted: " + files(cds, "*"));
            long damaged = archiveBytesInUse(third);
            assertTrue(withArchive - damaged > archiveSize / 2, "the whole archive was in use (" + withArchive
                    + " bytes mapped), the damaged one is not (" + damaged + " bytes: the JDK's own)");
            assertEquals("\"v\"", NodeProcess.cli("get", "notes", "k", "--home", home.toString()).stdout().strip());
            assertEquals(143, third.terminate(), third.output());
            assertFalse(third.output().contains("SIGBUS") || third.output().contains("hs_err"), third.output());
        }
    }
}
