package io.rhizome.chaos;

import java.io.IOException;
import java.util.List;

/**
 * Drops traffic between nodes with nftables inside each node's namespace (table {@code inet chaos},
 * made by run.sh). Only node-to-node packets are matched: the driver's REST calls come from the
 * hub address and are never dropped, so every write still gets its answer during a partition.
 * Duplicates packets in the hub (netdev {@code dup} on the bridge ports) and throttles a node's link
 * with a token bucket (tc {@code tbf}, the queueing this kernel has: it has no netem).
 */
final class Net {
    private final List<Node> nodes;
    /** run.sh's veth names: {prefix}v{i} in node i's namespace, {prefix}p{i} its bridge port in the hub. */
    private final String devPrefix;

    Net(List<Node> nodes, String devPrefix) {
        this.nodes = nodes;
        this.devPrefix = devPrefix;
    }

    /**
     * {@code percent} % of the packets other nodes send to {@code node} arrive twice: each is copied
     * as it enters the bridge and the copy sent straight out of node's port (the original is bridged).
     */
    void duplicate(Node node, int percent) throws IOException, InterruptedException {
        StringBuilder ports = new StringBuilder();
        for (Node other : nodes) {
            if (other != node) {
                ports.append(ports.isEmpty() ? "" : ", ").append('"').append(devPrefix).append('p').append(other.index).append('"');
            }
        }
        run(null, "table netdev chaosdup {\n  chain c {\n    type filter hook ingress devices = { " + ports + " } priority 0;\n    ip daddr "
                + node.ip + " numgen random mod 100 < " + percent + " dup to \"" + devPrefix + "p" + node.index + "\"\n  }\n}\n", "nft", "-f", "-");
    }

    void stopDuplicating() throws IOException, InterruptedException {
        run(null, null, "nft", "delete", "table", "netdev", "chaosdup");
    }

    /**
     * Both directions of {@code node}'s link limited to {@code kbit} kbit/s through a token bucket whose
     * queue holds 400 ms: packets wait up to 400 ms (a delay that grows with the backlog), those beyond are dropped.
     */
    void throttle(Node node, int kbit) throws IOException, InterruptedException {
        String[] tbf = {"root", "tbf", "rate", kbit + "kbit", "burst", "16kb", "latency", "400ms"};
        run(node.netns, null, concat(new String[] {"tc", "qdisc", "add", "dev", devPrefix + "v" + node.index}, tbf));
        run(null, null, concat(new String[] {"tc", "qdisc", "add", "dev", devPrefix + "p" + node.index}, tbf));
    }

    void unthrottle(Node node) throws IOException, InterruptedException {
        run(node.netns, null, "tc", "qdisc", "del", "dev", devPrefix + "v" + node.index, "root");
        run(null, null, "tc", "qdisc", "del", "dev", devPrefix + "p" + node.index, "root");
    }

    private static String[] concat(String[] a, String[] b) {
        String[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    /** Runs a command in namespace {@code netns} (null: here, in the hub), {@code stdin} its input. */
    private static void run(String netns, String stdin, String... cmd) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>();
        if (netns != null) {
            command.addAll(List.of("ip", "netns", "exec", netns));
        }
        command.addAll(List.of(cmd));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (stdin != null) {
            try (var in = p.getOutputStream()) {
                in.write(stdin.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + (stdin == null ? "" : " <<" + stdin) + " failed: " + out.strip());
        }
    }

    /** Packets from {@code from} no longer reach {@code to} (one direction only). */
    void cut(Node from, Node to) throws IOException, InterruptedException {
        nft(to, "add rule inet chaos in ip saddr " + from.ip + " drop");
        nft(from, "add rule inet chaos out ip daddr " + to.ip + " drop");
    }

    /** Drops {@code percent} % of the packets that reach {@code node} from other nodes. */
    void loss(Node node, int percent) throws IOException, InterruptedException {
        for (Node other : nodes) {
            if (other != node) {
                nft(node, "add rule inet chaos in ip saddr " + other.ip + " numgen random mod 100 < " + percent + " drop");
            }
        }
    }

    void healAll() throws IOException, InterruptedException {
        for (Node n : nodes) {
            nft(n, "flush chain inet chaos in");
            nft(n, "flush chain inet chaos out");
        }
    }

    private static void nft(Node node, String rule) throws IOException, InterruptedException {
        // the rule's words as arguments, no shell: "<" in "numgen random mod 100 < N" is nft syntax, not a redirection
        List<String> command = new java.util.ArrayList<>(List.of("ip", "netns", "exec", node.netns, "nft"));
        command.addAll(List.of(rule.split(" ")));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException("nft " + rule + " in " + node.netns + " failed: " + out.strip());
        }
    }
}
