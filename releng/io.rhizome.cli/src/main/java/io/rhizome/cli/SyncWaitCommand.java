package io.rhizome.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * {@code sync --wait [--timeout S]}: blocks until this node is caught up with every connected peer
 * (nothing to receive, nothing to send, and each peer has said what it holds), drawing a progress
 * bar on standard error. A node with paired peers but none connected waits for one first. Exit 0
 * once caught up, 1 at the timeout (default 600 s) with what was left.
 */
final class SyncWaitCommand {

    static final String USAGE = "rhizome: usage: rhizome sync --wait [--timeout SECONDS]";
    static final long POLL_MILLIS = 250;
    static final int BAR_WIDTH = 30;

    private final Main.Invocation inv;
    private final ObjectMapper json;
    private final PrintStream out;
    private final PrintStream err;

    SyncWaitCommand(Main.Invocation inv, ObjectMapper json, PrintStream out, PrintStream err) {
        this.inv = inv;
        this.json = json;
        this.out = out;
        this.err = err;
    }

    int run() throws DaemonClient.NoDaemonException {
        List<String> args = inv.words().subList(1, inv.words().size());
        long timeoutSeconds = 600;
        if (args.isEmpty() || !args.get(0).equals("--wait") || !(args.size() == 1 || args.size() == 3 && args.get(1).equals("--timeout"))) {
            err.println(USAGE);
            return Main.USAGE;
        }
        if (args.size() == 3) {
            try {
                timeoutSeconds = Long.parseLong(args.get(2));
            } catch (NumberFormatException e) {
                err.println("rhizome: --timeout takes whole seconds, not '" + args.get(2) + "'");
                return Main.USAGE;
            }
        }
        DaemonClient client = DaemonClient.connect(inv.home(), json);
        long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
        long total = 0;
        String last = "";
        boolean drew = false;
        while (true) {
            DaemonClient.Response r = client.get("/v1/status");
            if (!r.ok()) {
                err.println("rhizome: " + DaemonClient.message(r.status(), r.body()));
                return Main.REFUSED;
            }
            Remaining left = remaining(r.body().path("sync"));
            total = Math.max(total, left.count());
            if (left.caughtUp()) {
                if (drew) {
                    err.println();
                }
                out.println(left.connected() == 0 ? "caught up: no peer is paired, nothing to wait for"
                        : "caught up with " + left.connected() + " connected peer(s)");
                return Main.OK;
            }
            String line = left.connected() == 0 ? "waiting for a paired peer to connect..." : bar(total, left);
            if (!line.equals(last)) {
                err.print("\r" + line + " ".repeat(Math.max(0, last.length() - line.length())));
                err.flush();
                last = line;
                drew = true;
            }
            if (System.nanoTime() > deadline) {
                err.println();
                err.println("rhizome: not caught up within " + timeoutSeconds + " s: " + (left.connected() == 0 ? "no peer connected"
                        : left.count() + " change set(s) left"));
                return Main.REFUSED;
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Main.REFUSED;
            }
        }
    }

    /** What is left over the connected peers: counts, bytes, the longest ETA. */
    record Remaining(int connected, int known, long incoming, long outgoing, long bytesIn, long bytesOut, long etaSeconds, int paired) {
        long count() {
            return incoming + outgoing;
        }

        boolean caughtUp() {
            return connected == 0 ? paired == 0 : known == connected && count() == 0;
        }
    }

    static Remaining remaining(JsonNode sync) {
        int connected = 0;
        int known = 0;
        int paired = 0;
        long in = 0;
        long outgoing = 0;
        long bytesIn = 0;
        long bytesOut = 0;
        long eta = -1;
        for (JsonNode p : sync.path("peers")) {
            paired++;
            if (!p.path("connected").asBoolean()) {
                continue;
            }
            connected++;
            JsonNode g = p.path("progress");
            if (g.path("peerStateKnown").asBoolean()) {
                known++;
            }
            in += g.path("incoming").asLong();
            outgoing += g.path("outgoing").asLong();
            bytesIn += g.path("bytesReceived").asLong();
            bytesOut += g.path("bytesSent").asLong();
            if (g.path("etaSeconds").isNumber()) {
                eta = Math.max(eta, g.path("etaSeconds").asLong());
            }
        }
        return new Remaining(connected, known, in, outgoing, bytesIn, bytesOut, eta, paired);
    }

    /** {@code [#######.......]  1,200 / 5,000 change sets  2.1 MB in / 4 KB out  ETA 12s}. */
    static String bar(long total, Remaining left) {
        long done = Math.max(0, total - left.count());
        int filled = total == 0 ? 0 : (int) (BAR_WIDTH * done / total);
        return "[" + "#".repeat(filled) + ".".repeat(BAR_WIDTH - filled) + "] " + String.format("%,d / %,d change sets", done, total) + "  "
                + StatusView.bytes(left.bytesIn()) + " in / " + StatusView.bytes(left.bytesOut()) + " out"
                + (left.etaSeconds() >= 0 ? "  ETA " + StatusView.human(Duration.ofSeconds(left.etaSeconds())) : "");
    }
}
