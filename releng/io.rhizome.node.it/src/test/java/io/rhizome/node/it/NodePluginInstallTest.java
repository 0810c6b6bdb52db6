package io.rhizome.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * {@code rhizome plugins install JAR} adds a third party's bundle to a running node, as a stranger
 * would: the plugin (a CRDT type, compiled here from its source against the product's API jar
 * only) is installed into two paired daemons one after the other, and the data written under it on
 * the first reaches the second once it has the type, with no restart. It survives a restart,
 * {@code uninstall} removes it, and jars that are not installable are refused with nothing left.
 */
class NodePluginInstallTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String TYPE = "acme.max-register";
    private static final String BUNDLE = "acme.crdt.maxregister";
    private static final Path PLUGINS = NodeProcess.ROOT.resolve("releng/io.rhizome.product/target/products/io.rhizome.node/linux/gtk/x86_64/plugins");
    private static final Path SOURCES = NodeProcess.ROOT.resolve("tests/io.rhizome.testsupport/src/io/rhizome/testsupport/crdt");

    @TempDir
    Path tmp;

    /** The plugin's jar: MaxRegisterType + MaxRegisterReplica compiled against the product's jars, a DS component, a manifest. */
    private Path pluginJar(String version, String importPackage) throws Exception {
        Path classes = Files.createDirectories(tmp.resolve("classes-" + version));
        String classpath;
        try (Stream<Path> jars = Files.list(PLUGINS)) {
            classpath = jars.map(Path::toString).filter(p -> p.contains("io.rhizome.api_") || p.contains("jackson-databind")
                    || p.contains("jackson-core_") || p.contains("jackson-annotations")).collect(Collectors.joining(java.io.File.pathSeparator));
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertTrue(javac != null, "the tests run on a JDK (javac)");
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int rc = javac.run(null, diagnostics, diagnostics, "--release", "17", "-d", classes.toString(), "-cp", classpath,
                SOURCES.resolve("MaxRegisterType.java").toString(), SOURCES.resolve("MaxRegisterReplica.java").toString());
        assertEquals(0, rc, diagnostics.toString(StandardCharsets.UTF_8));

        Manifest mf = new Manifest();
        Attributes main = mf.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue("Bundle-ManifestVersion", "2");
        main.putValue("Bundle-SymbolicName", BUNDLE);
        main.putValue("Bundle-Version", version);
        main.putValue("Import-Package", importPackage);
        main.putValue("Service-Component", "OSGI-INF/max-register.xml");
        String component = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<scr:component xmlns:scr=\"http://www.osgi.org/xmlns/scr/v1.5.0\" name=\"acme.max-register\" immediate=\"true\">\n"
                + "  <implementation class=\"io.rhizome.testsupport.crdt.MaxRegisterType\"/>\n"
                + "  <service><provide interface=\"io.rhizome.spi.crdt.CrdtType\"/></service>\n"
                + "  <property name=\"crdt.type\" value=\"" + TYPE + "\"/>\n"
                + "</scr:component>\n";
        Path jar = tmp.resolve(BUNDLE + "-" + version + ".jar");
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, mf)) {
            out.putNextEntry(new JarEntry("OSGI-INF/max-register.xml"));
            out.write(component.getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
            List<Path> files;
            try (Stream<Path> walk = Files.walk(classes)) {
                files = walk.filter(Files::isRegularFile).toList();
            }
            for (Path f : files) {
                out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                out.write(Files.readAllBytes(f));
                out.closeEntry();
            }
        }
        return jar;
    }

    private static final String IMPORTS = "io.rhizome.spi.crdt;version=\"[0.1,0.2)\",io.rhizome.api.clock;version=\"[0.1,0.2)\","
            + "com.fasterxml.jackson.databind;version=\"[2.15,3)\",com.fasterxml.jackson.databind.node;version=\"[2.15,3)\"";

    private static JsonNode plugins(Path home) throws Exception {
        return NodeProcess.json(NodeProcess.cli("plugins", "--json", "--home", home.toString()));
    }

    private static boolean hasType(Path home) throws Exception {
        for (JsonNode p : plugins(home).path("plugins")) {
            if (p.path("kind").asText().equals("crdt-type") && p.path("name").asText().equals(TYPE)) {
                return true;
            }
        }
        return false;
    }

    private static void await(String what, Predicate<Void> condition) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.test(null)) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError(what + ": not within " + WAIT);
    }

    private static boolean check(ThrowingCheck c) {
        try {
            return c.get();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    interface ThrowingCheck {
        boolean get() throws Exception;
    }

    /** B joins A's mesh by address. */
    private static void pair(Path a, Path b) throws Exception {
        JsonNode invitation = NodeProcess.json(NodeProcess.cli("pair", "--no-wait", "--json", "--home", a.toString()));
        NodeProcess.CliResult join = NodeProcess.cli("join", invitation.path("code").asText(), "--addr",
                invitation.path("addresses").get(0).asText(), "--home", b.toString());
        assertEquals(0, join.exitCode(), join.stderr() + join.stdout());
    }

    @Test
    void aPluginInstalledIntoRunningNodesCarriesDataSurvivesARestartAndUninstallsCleanly() throws Exception {
        Path jar = pluginJar("1.0.0", IMPORTS);
        Path a = NodeProcess.loopbackHome(tmp, "a");
        Path b = NodeProcess.loopbackHome(tmp, "b");
        String ha = a.toString();
        String hb = b.toString();
        try (NodeProcess na = NodeProcess.start(a).awaitReady(); NodeProcess nb = NodeProcess.start(b).awaitReady()) {
            pair(a, b);
            NodeProcess.CliResult installed = NodeProcess.cli("plugins", "install", jar.toString(), "--home", ha);
            assertEquals(0, installed.exitCode(), installed.stderr());
            assertTrue(installed.stdout().startsWith(BUNDLE + " 1.0.0 installed (bundle "), installed.stdout());
            assertTrue(installed.stdout().contains("active"), installed.stdout());
            await("A's registry lists the new type", x -> check(() -> hasType(a)));
            assertTrue(NodeProcess.cli("plugins", "--home", ha).stdout().lines()
                    .anyMatch(l -> l.startsWith(BUNDLE) && l.contains("1.0.0") && l.contains("active")), "the human list shows the bundle");

            assertEquals(0, NodeProcess.cli("ns", "create", "scores", TYPE, "--home", ha).exitCode());
            for (int v : new int[] {3, 11, 7}) {
                NodeProcess.CliResult w = NodeProcess.cli("mutate", "scores", "alice", "{\"op\":\"set\",\"value\":" + v + "}", "--home", ha);
                assertEquals(0, w.exitCode(), w.stderr());
            }
            assertEquals("11", NodeProcess.cli("get", "scores", "alice", "--home", ha).stdout().strip());

            // B lacks the type: the stream waits, visibly, instead of being lost.
            await("B holds the scores stream back for want of its type", x -> check(() -> {
                String status = NodeProcess.cli("status", "--home", hb, "--json").stdout();
                return status.contains("scores") && status.contains(TYPE);
            }));
            NodeProcess.CliResult onB = NodeProcess.cli("plugins", "install", jar.toString(), "--home", hb);
            assertEquals(0, onB.exitCode(), onB.stderr());
            NodeProcess.awaitValue(b, "scores", "alice", "11", WAIT);

            // Hot update to a new version: the type stays, the data stays.
            Path v2 = pluginJar("1.1.0", IMPORTS);
            NodeProcess.CliResult updated = NodeProcess.cli("plugins", "install", v2.toString(), "--home", hb);
            assertEquals(0, updated.exitCode(), updated.stderr());
            assertTrue(updated.stdout().contains("1.1.0 updated from 1.0.0"), updated.stdout());
            await("B lists the type again after the update", x -> check(() -> hasType(b)));
            assertEquals("11", NodeProcess.cli("get", "scores", "alice", "--home", hb).stdout().strip());
        }

        // Installed plugins are kept by the framework across a restart.
        try (NodeProcess nb = NodeProcess.start(b).awaitReady()) {
            await("B still has the type after a restart", x -> check(() -> hasType(b)));
            JsonNode bundles = plugins(b).path("bundles");
            assertEquals(1, bundles.size(), bundles.toString());
            assertEquals("1.1.0", bundles.get(0).path("version").asText());
            assertEquals("11", NodeProcess.cli("get", "scores", "alice", "--home", hb).stdout().strip());

            NodeProcess.CliResult removed = NodeProcess.cli("plugins", "uninstall", BUNDLE, "--home", hb);
            assertEquals(0, removed.exitCode(), removed.stderr());
            assertTrue(removed.stdout().startsWith(BUNDLE + " 1.1.0 uninstalled"), removed.stdout());
            await("B's registry drops the type", x -> check(() -> !hasType(b)));
            assertEquals(0, plugins(b).path("bundles").size());
            assertEquals(0, NodeProcess.cli("status", "--home", hb).exitCode(), "the node runs on without the plugin");
            NodeProcess.CliResult again = NodeProcess.cli("plugins", "uninstall", BUNDLE, "--home", hb);
            assertEquals(1, again.exitCode());
            assertTrue(again.stderr().contains("no plugin '" + BUNDLE + "' is installed"), again.stderr());
        }
    }

    /**
     * The framework writes its own state only once a second: what an install, an update or an
     * uninstall answered is kept by the node (HOME/plugins) and holds across a kill -9 right after
     * the answer.
     */
    @Test
    void whatAnInstallUpdateOrUninstallAnsweredSurvivesAKill9RightAfterIt() throws Exception {
        Path home = NodeProcess.loopbackHome(tmp, "home");
        String h = home.toString();
        Path v1 = pluginJar("1.0.0", IMPORTS);
        Path v2 = pluginJar("1.1.0", IMPORTS);
        String[][] steps = {{"install", v1.toString(), "1.0.0"}, {"install", v2.toString(), "1.1.0"}, {"uninstall", BUNDLE, null}};
        for (String[] step : steps) {
            try (NodeProcess node = NodeProcess.start(home).awaitReady()) {
                NodeProcess.CliResult r = NodeProcess.cli("plugins", step[0], step[1], "--home", h);
                assertEquals(0, r.exitCode(), r.stderr());
                node.process.destroyForcibly().waitFor();   // kill -9 at once
            }
            try (NodeProcess node = NodeProcess.start(home).awaitReady()) {
                JsonNode bundles = plugins(home).path("bundles");
                if (step[2] == null) {
                    assertEquals(0, bundles.size(), "uninstalled before the kill: " + bundles + "\n" + node.output());
                    assertFalse(hasType(home));
                    assertFalse(Files.exists(home.resolve("plugins").resolve(BUNDLE + ".jar")));
                } else {
                    assertEquals(1, bundles.size(), step[0] + " " + step[2] + " before the kill: " + bundles + "\n" + node.output());
                    assertEquals(step[2], bundles.get(0).path("version").asText(), bundles.toString());
                    assertEquals("active", bundles.get(0).path("state").asText(), bundles.toString());
                    await("the type is back after the restart", x -> check(() -> hasType(home)));
                }
                node.process.destroyForcibly().waitFor();
            }
        }
    }

    @Test
    void jarsThatCannotBeInstalledAreRefusedWithASentenceAndLeaveNothingBehind() throws Exception {
        Path home = NodeProcess.loopbackHome(tmp, "home");
        String h = home.toString();
        Path notAJar = tmp.resolve("notes.txt");
        Files.writeString(notAJar, "hello");
        Path noName = tmp.resolve("plain.jar");
        Manifest plain = new Manifest();
        plain.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        try (OutputStream file = Files.newOutputStream(noName); JarOutputStream out = new JarOutputStream(file, plain)) {
            out.putNextEntry(new JarEntry("x.txt"));
            out.closeEntry();
        }
        Path unresolvable = pluginJar("1.0.0", IMPORTS + ",org.example.missing;version=\"[1,2)\"");
        try (NodeProcess node = NodeProcess.start(home).awaitReady()) {
            int before = plugins(home).path("plugins").size();
            List<String[]> refusals = new ArrayList<>();
            refusals.add(new String[] {notAJar.toString(), "not a jar with a manifest"});
            refusals.add(new String[] {noName.toString(), "no Bundle-SymbolicName"});
            refusals.add(new String[] {unresolvable.toString(), "org.example.missing"});
            for (String[] r : refusals) {
                NodeProcess.CliResult res = NodeProcess.cli("plugins", "install", r[0], "--home", h);
                assertEquals(1, res.exitCode(), r[0] + ": " + res.stdout());
                assertTrue(res.stderr().contains(r[1]), r[0] + ": " + res.stderr());
            }
            NodeProcess.CliResult missing = NodeProcess.cli("plugins", "install", tmp.resolve("absent.jar").toString(), "--home", h);
            assertEquals(2, missing.exitCode());
            assertTrue(missing.stderr().contains("no such file"), missing.stderr());
            NodeProcess.CliResult core = NodeProcess.cli("plugins", "uninstall", "io.rhizome.core", "--home", h);
            assertEquals(1, core.exitCode());
            assertTrue(core.stderr().contains("part of the node"), core.stderr());
            NodeProcess.CliResult usage = NodeProcess.cli("plugins", "install", "--home", h);
            assertEquals(2, usage.exitCode());

            JsonNode after = plugins(home);
            assertEquals(0, after.path("bundles").size(), "nothing was left installed: " + after.path("bundles"));
            assertEquals(before, after.path("plugins").size());
            assertFalse(hasType(home));
            assertEquals(0, NodeProcess.cli("put", "notes", "k", "\"still fine\"", "--home", h).exitCode(), "the node still works");
        }
    }
}
