package io.rhizome.transport.libp2p.tests;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small "internet" of network namespaces for the js-libp2p DCUtR and AutoNAT tests: a switch
 * namespace with a bridge and four hosts on it, each in a namespace of its own with one veth and one
 * address of the IPv6 documentation prefix {@code 3fff::/20} (RFC 9637): {@link #RELAY}
 * {@code 3fff::1}, {@link #RHIZOME} {@code 3fff::2}, {@link #JS} {@code 3fff::3}, {@link #OTHER}
 * {@code 3fff::4}. js-libp2p dials for DCUtR and AutoNAT only addresses it takes for public ones
 * (not loopback, not private, not 2001:db8::/32, which its list of special ranges has); 3fff::/20
 * is not on that list and, being for documentation only, is nobody's address. The namespaces have no
 * route anywhere else: nothing leaves them.
 *
 * <p>{@link #firewall} puts the Rhizome host behind a stateful firewall (nftables: connections it
 * opens and their answers pass, every new inbound TCP connection is refused with a reset), as a home
 * router does. Names carry the JVM's pid and a counter; {@link #close} deletes every namespace.
 * Needs root, iproute2 and nftables; without them the test fails saying so, it never skips.
 */
final class NatNet implements AutoCloseable {

    static final String RELAY = "3fff::1";
    static final String RHIZOME = "3fff::2";
    static final String JS = "3fff::3";
    static final String OTHER = "3fff::4";
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final long COMMAND_SECONDS = 20;

    private final String tag;
    private final List<String> namespaces = new ArrayList<>();

    private NatNet(String tag) {
        this.tag = tag;
    }

    static NatNet create() throws IOException, InterruptedException {
        for (String tool : List.of("ip", "nft")) {
            if (!onPath(tool)) {
                throw new AssertionError(tool + " is not on the PATH: the DCUtR/AutoNAT interop tests build network namespaces "
                        + "with iproute2 and a firewall with nftables (apt-get install iproute2 nftables; .ci/run installs them)");
            }
        }
        NatNet n = new NatNet("rzn" + (ProcessHandle.current().pid() % 100_000) + "x" + COUNTER.incrementAndGet());
        try {
            String sw = n.add("sw");
            n.run("ip", "netns", "exec", sw, "ip", "link", "add", "br0", "type", "bridge");
            n.run("ip", "netns", "exec", sw, "ip", "link", "set", "br0", "up");
            int i = 0;
            for (String[] host : new String[][] {{"relay", RELAY}, {"rz", RHIZOME}, {"js", JS}, {"other", OTHER}}) {
                String ns = n.add(host[0]);
                String inside = n.tag + "i" + i;
                String outside = n.tag + "o" + i++;
                n.run("ip", "link", "add", inside, "type", "veth", "peer", "name", outside);
                n.run("ip", "link", "set", inside, "netns", ns);
                n.run("ip", "link", "set", outside, "netns", sw);
                n.run("ip", "netns", "exec", sw, "ip", "link", "set", outside, "master", "br0", "up");
                n.run("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
                n.run("ip", "netns", "exec", ns, "ip", "-6", "address", "add", host[1] + "/64", "dev", inside, "nodad");
                n.run("ip", "netns", "exec", ns, "ip", "link", "set", inside, "up");
            }
        } catch (IOException | RuntimeException | Error e) {
            n.close();
            throw new AssertionError("cannot build the test's network namespaces (they need root, as in CI): " + e.getMessage(), e);
        }
        return n;
    }

    /** The namespace of a host: relay, rz, js or other. */
    String ns(String host) {
        return tag + host;
    }

    /** Puts the Rhizome host behind a firewall that refuses new inbound TCP connections (on) or takes it away (off). */
    void firewall(boolean on) throws IOException, InterruptedException {
        String ns = ns("rz");
        run("ip", "netns", "exec", ns, "nft", "flush", "ruleset");
        if (on) {
            run("ip", "netns", "exec", ns, "nft", "add", "table", "inet", "rzfw");
            run("ip", "netns", "exec", ns, "nft", "add", "chain", "inet", "rzfw", "input",
                    "{ type filter hook input priority 0; policy accept; }");
            run("ip", "netns", "exec", ns, "nft", "add", "rule", "inet", "rzfw", "input", "ct", "state", "established,related", "accept");
            run("ip", "netns", "exec", ns, "nft", "add", "rule", "inet", "rzfw", "input", "meta", "l4proto", "tcp", "ct", "state", "new",
                    "reject", "with", "tcp", "reset");
        }
    }

    private String add(String host) throws IOException, InterruptedException {
        String ns = ns(host);
        run("ip", "netns", "add", ns);
        namespaces.add(ns);
        return ns;
    }

    /** Runs a command to its end (bounded); fails with its output unless it exits 0. */
    static String run(String... command) throws IOException, InterruptedException {
        Path out = Files.createTempFile("natnet", ".log");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(COMMAND_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                throw new IOException(String.join(" ", command) + " did not finish within " + COMMAND_SECONDS + " s");
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed (exit " + p.exitValue() + "): " + text.strip());
            }
            return text;
        } finally {
            Files.deleteIfExists(out);
        }
    }

    @Override
    public void close() {
        for (String ns : namespaces) {
            try {
                run("ip", "netns", "delete", ns);
            } catch (IOException e) {
                // already gone
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
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
}
