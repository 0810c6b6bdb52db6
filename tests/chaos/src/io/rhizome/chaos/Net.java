package io.rhizome.chaos;

import java.io.IOException;
import java.util.List;

/**
 * Drops traffic between nodes with nftables inside each node's namespace (table {@code inet chaos},
 * made by run.sh). Only node-to-node packets are matched: the driver's REST calls come from the
 * hub address and are never dropped, so every write still gets its answer during a partition.
 */
final class Net {
    private final List<Node> nodes;

    Net(List<Node> nodes) {
        this.nodes = nodes;
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
