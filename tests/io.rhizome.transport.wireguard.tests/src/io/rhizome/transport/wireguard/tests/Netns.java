package io.rhizome.transport.wireguard.tests;

import io.rhizome.testsupport.BundleClassPath;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;


import io.rhizome.transport.wireguard.internal.CommandRunner;

/**
 * Two network namespaces joined by a veth pair (10.77.0.1/24 in {@code a}, 10.77.0.2/24 in
 * {@code b}), nothing else: the WireGuard tests never touch the host's interfaces. Names carry the
 * test JVM's pid and a counter, so parallel runs and leftovers of a crashed run never clash.
 * {@link #close} deletes the WireGuard links and veth inside them, stops every process it started
 * and deletes both namespaces.
 *
 * <p>Needs root (CAP_NET_ADMIN / CAP_SYS_ADMIN), iproute2, wireguard-go and wireguard-tools: where
 * one is missing the test fails and says what to install; it never skips.
 */
final class Netns implements AutoCloseable {

    static final String UNDERLAY_A = "10.77.0.1";
    static final String UNDERLAY_B = "10.77.0.2";

    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    final String a;
    final String b;
    private final String tag;
    private final List<Process> processes = new ArrayList<>();
    private final List<String[]> links = new ArrayList<>();

    private Netns(String tag) {
        this.tag = tag;
        this.a = "rzwg-" + tag + "-a";
        this.b = "rzwg-" + tag + "-b";
    }

    static Netns create() throws IOException {
        for (String tool : List.of("ip", "wg", "wireguard-go")) {
            assertTrue(onPath(tool), tool + " is not on the PATH: the WireGuard tests need iproute2, wireguard-tools and wireguard-go "
                    + "(apt-get install -y iproute2 wireguard-tools wireguard-go; .ci/run installs them)");
        }
        assertTrue(Files.exists(Path.of("/dev/net/tun")), "/dev/net/tun is missing: wireguard-go needs the tun device");
        String tag = (ProcessHandle.current().pid() % 100_000) + "" + COUNTER.incrementAndGet();
        Netns n = new Netns(tag);
        try {
            n.host("ip", "netns", "add", n.a);
            n.host("ip", "netns", "add", n.b);
            String va = "rzv" + tag + "a";
            String vb = "rzv" + tag + "b";
            n.host("ip", "link", "add", va, "type", "veth", "peer", "name", vb);
            n.host("ip", "link", "set", va, "netns", n.a);
            n.host("ip", "link", "set", vb, "netns", n.b);
            n.in(n.a, "ip", "address", "add", UNDERLAY_A + "/24", "dev", va);
            n.in(n.b, "ip", "address", "add", UNDERLAY_B + "/24", "dev", vb);
            for (String[] nsAndLink : new String[][] { { n.a, va }, { n.b, vb }, { n.a, "lo" }, { n.b, "lo" } }) {
                n.in(nsAndLink[0], "ip", "link", "set", nsAndLink[1], "up");
            }
        } catch (IOException | RuntimeException e) {
            n.close();
            if (String.valueOf(e.getMessage()).contains("Operation not permitted") || String.valueOf(e.getMessage()).contains("Permission denied")) {
                fail("cannot create network namespaces (the WireGuard tests run as root, as in CI): " + e.getMessage());
            }
            throw e;
        }
        return n;
    }

    /** A unique interface name (at most 15 characters) for a WireGuard link in {@code ns}, deleted on close. */
    String wgName(String ns, String suffix) {
        String name = "rzw" + tag + suffix;
        links.add(new String[] { ns, name });
        return name;
    }

    /** Runs a command in {@code ns} through {@code ip netns exec}. */
    CommandRunner runner(String ns) {
        return new CommandRunner(List.of("ip", "netns", "exec", ns), TIMEOUT);
    }

    String in(String ns, String... command) throws IOException {
        return runner(ns).run(List.of(command));
    }

    String host(String... command) throws IOException {
        return CommandRunner.direct(TIMEOUT).run(List.of(command));
    }

    /** Starts a long-running command in {@code ns}; stopped on close. Its output goes to {@code log}. */
    Process start(String ns, File log, String... command) throws IOException {
        Process p = runner(ns).start(List.of(command), log);
        processes.add(p);
        return p;
    }

    /** Starts {@code TcpEchoMain} with {@code args} in {@code ns}. */
    Process java(String ns, File log, String... args) throws IOException {
        return javaMain(ns, log, TcpEchoMain.class.getName(), List.of(), args);
    }

    /**
     * Starts {@code mainClass} of this test bundle in a JVM in {@code ns}, with the files of the
     * bundles named in {@code bundles} (symbolic names; a trailing '.' matches a prefix) on its class path.
     */
    Process javaMain(String ns, File log, String mainClass, List<String> bundles, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classpath(bundles), mainClass));
        cmd.addAll(List.of(args));
        return start(ns, log, cmd.toArray(String[]::new));
    }

    /** Waits (bounded) until {@code log} contains {@code text}; fails with the log otherwise. */
    static String awaitLog(File log, String text, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String s = Files.readString(log.toPath(), StandardCharsets.UTF_8);
            if (s.contains(text)) {
                return s;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no '" + text + "' within " + timeout.toMillis() + " ms in:\n" + s);
            }
            Thread.sleep(20);
        }
    }

    /** Runs a {@code TcpEchoMain call} in {@code ns} to its end (bounded); returns its output. */
    String call(String ns, String address, int port, String text) throws IOException, InterruptedException {
        File log = Files.createTempFile("wg-call", ".log").toFile();
        try {
            Process p = java(ns, log, "call", address, String.valueOf(port), text);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("the TCP client in " + ns + " did not finish within 30 s: " + Files.readString(log.toPath()));
            }
            return Files.readString(log.toPath(), StandardCharsets.UTF_8);
        } finally {
            log.delete();
        }
    }

    @Override
    public void close() {
        for (String[] l : links) {
            try {
                in(l[0], "ip", "link", "delete", l[1]);
            } catch (IOException e) {
                // already gone (the code under test deleted it)
            }
            try {
                Files.deleteIfExists(Path.of("/var/run/wireguard", l[1] + ".sock"));
            } catch (IOException e) {
                // nothing to clean
            }
        }
        for (Process p : processes) {
            p.destroy();
        }
        for (Process p : processes) {
            try {
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (String ns : List.of(a, b)) {
            try {
                host("ip", "netns", "delete", ns);
            } catch (IOException e) {
                // not created
            }
        }
    }

    static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** This test bundle's classes and the files of {@code bundles}, for the child JVMs. */
    static String classpath(List<String> bundles) throws IOException {
        return BundleClassPath.of(Netns.class, bundles);
    }
}
