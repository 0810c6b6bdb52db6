package io.rhizome.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/** Which JDK the launcher runs the node on ({@code releng/best-jdk.sh}), and that status says so. */
class NodeJdkTest {

    private static final Path SCRIPT = NodeProcess.ROOT.resolve("releng/best-jdk.sh");

    @TempDir
    Path tmp;

    record Run(int exitCode, String stdout, String stderr) {
    }

    static Run bestJdk(Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(SCRIPT.toString(), "java");
        pb.environment().remove("RHIZOME_JAVA_HOME");
        pb.environment().putAll(env);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("best-jdk.sh did not finish within 30 s");
        }
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8).trim(), new String(err, StandardCharsets.UTF_8).trim());
    }

    /** A directory that looks like a JDK of {@code version}: a release file and a bin/java. */
    private Path fakeJdk(String name, String version) throws IOException {
        Path home = Files.createDirectories(tmp.resolve(name).resolve("bin"));
        Path java = home.resolve("java");
        Files.writeString(java, "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(home.getParent().resolve("release"), "IMPLEMENTOR=\"test\"\nJAVA_VERSION=\"" + version + "\"\n");
        return home.getParent();
    }

    /** The real JDK homes under /usr/lib/jvm with a release file, oldest feature version first. */
    static List<Path> installedJdks() throws IOException {
        List<Path> jdks = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(Path.of("/usr/lib/jvm"))) {
            dirs.filter(d -> Files.isExecutable(d.resolve("bin/java")) && Files.isRegularFile(d.resolve("release"))).forEach(jdks::add);
        }
        jdks.sort(Comparator.comparingInt(NodeJdkTest::feature));
        return jdks;
    }

    static int feature(Path jdk) {
        try {
            for (String line : Files.readAllLines(jdk.resolve("release"))) {
                if (line.startsWith("JAVA_VERSION=\"")) {
                    String v = line.substring("JAVA_VERSION=\"".length());
                    return Integer.parseInt(v.replaceAll("[^0-9].*", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }

    @Test
    void theNewestJdkWinsJavaHomeIsACandidateAndAnOldOneOrAPinThatIsNoJdkIsRefused() throws Exception {
        Path newest = fakeJdk("jdk-99", "99.0.1");
        Run viaJavaHome = bestJdk(Map.of("JAVA_HOME", newest.toString()));
        assertEquals(0, viaJavaHome.exitCode(), viaJavaHome.stderr());
        assertEquals(newest.toString(), viaJavaHome.stdout(), "JAVA_HOME's JDK is the newest here, so it is chosen");

        Path old = fakeJdk("jdk-11", "11.0.20");
        Run oldJavaHome = bestJdk(Map.of("JAVA_HOME", old.toString()));
        assertEquals(0, oldJavaHome.exitCode(), oldJavaHome.stderr());
        assertTrue(!oldJavaHome.stdout().equals(old.toString()), "a JDK older than 17 is never chosen: " + oldJavaHome.stdout());
        int chosen = feature(Path.of(oldJavaHome.stdout()));
        for (Path jdk : installedJdks()) {
            assertTrue(chosen >= feature(jdk), "chose " + oldJavaHome.stdout() + " although " + jdk + " is newer");
        }

        Run pinnedOld = bestJdk(Map.of("RHIZOME_JAVA_HOME", old.toString()));
        assertEquals(1, pinnedOld.exitCode());
        assertTrue(pinnedOld.stderr().contains("RHIZOME_JAVA_HOME=" + old + " is not a JDK 17 or newer"), pinnedOld.stderr());

        NodeProcess.CliResult cli = cliWithEnv(Map.of("RHIZOME_JAVA_HOME", tmp.resolve("nothing-here").toString()), "status");
        assertEquals(2, cli.exitCode(), cli.stdout());
        assertTrue(cli.stderr().contains("RHIZOME_JAVA_HOME=" + tmp.resolve("nothing-here") + " is not a JDK 17 or newer"), cli.stderr());
    }

    @Test
    void theDaemonRunsOnTheChosenJdkAndStatusSaysWhichOne() throws Exception {
        Run best = bestJdk(Map.of());
        assertEquals(0, best.exitCode(), best.stderr());
        // Pinned to the oldest installed JDK (another one than the default choice where there are two).
        Path pinned = installedJdks().get(0);
        Path home = NodeProcess.loopbackHome(tmp, "home");
        try (NodeProcess node = NodeProcess.start(home, Map.of("RHIZOME_JAVA_HOME", pinned.toString())).awaitReady()) {
            JsonNode java = NodeProcess.json(NodeProcess.cli("status", "--home", home.toString(), "--json")).path("node").path("java");
            assertEquals(pinned.toRealPath().toString(), Path.of(java.path("home").asText()).toRealPath().toString(), java.toString());
            assertEquals(feature(pinned), Integer.parseInt(java.path("version").asText().replaceAll("[^0-9].*", "")), java.toString());
            NodeProcess.CliResult human = NodeProcess.cli("status", "--home", home.toString());
            assertTrue(human.stdout().lines().anyMatch(l -> l.startsWith("java:     " + java.path("version").asText() + " (")), human.stdout());
        }
        try (NodeProcess node = NodeProcess.start(home).awaitReady()) {
            JsonNode java = NodeProcess.json(NodeProcess.cli("status", "--home", home.toString(), "--json")).path("node").path("java");
            assertEquals(Path.of(best.stdout()).toRealPath().toString(), Path.of(java.path("home").asText()).toRealPath().toString(),
                    "without a pin the node runs on the newest JDK: " + java);
            // the store in use and what its open quarantined (nothing here) are in status too
            JsonNode store = NodeProcess.json(NodeProcess.cli("status", "--home", home.toString(), "--json")).path("store");
            assertEquals("mapdb", store.path("kind").asText(), store.toString());
            assertEquals(0, store.path("quarantined").asInt(-1), store.toString());
            assertEquals(0, store.path("quarantineKept").asInt(-1), store.toString());
            assertTrue(store.path("quarantineReports").isArray() && store.path("quarantineReports").isEmpty(), store.toString());
        }
    }

    private static NodeProcess.CliResult cliWithEnv(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(NodeProcess.ROOT.resolve("rhizome").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(NodeProcess.ROOT.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("CLI did not finish within 60 s: " + cmd);
        }
        return new NodeProcess.CliResult(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }
}
