package io.rhizome.cli;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.imageio.ImageIO;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.zxing.BarcodeFormat;
import com.google.zxing.EncodeHintType;
import com.google.zxing.WriterException;
import com.google.zxing.common.BitMatrix;
import com.google.zxing.qrcode.QRCodeWriter;
import com.google.zxing.qrcode.decoder.ErrorCorrectionLevel;

/**
 * {@code pair}, {@code join}, {@code peers [revoke ID]} and {@code p2p ping|connect}. The
 * invitation lives in the daemon: interrupting {@code pair} stops waiting, not the invitation.
 */
final class PeerCommands {

    static final long POLL_MILLIS = 1000;

    private final Main.Invocation inv;
    private final ObjectMapper json;
    private final PrintStream out;
    private final PrintStream err;

    PeerCommands(Main.Invocation inv, ObjectMapper json, PrintStream out, PrintStream err) {
        this.inv = inv;
        this.json = json;
        this.out = out;
        this.err = err;
    }

    /** Words after the command, with {@code --name value} options split off. */
    private record Args(List<String> positional, Map<String, String> options) {
    }

    private Args args(List<String> flags, List<String> valued) {
        List<String> pos = new ArrayList<>();
        Map<String, String> opts = new java.util.HashMap<>();
        List<String> w = inv.words().subList(1, inv.words().size());
        for (int i = 0; i < w.size(); i++) {
            String a = w.get(i);
            if (flags.contains(a)) {
                opts.put(a, "true");
            } else if (valued.contains(a)) {
                if (i + 1 >= w.size()) {
                    throw new IllegalArgumentException(a + " needs a value");
                }
                opts.put(a, w.get(++i));
            } else if (a.startsWith("--")) {
                throw new IllegalArgumentException("unknown option '" + a + "'");
            } else {
                pos.add(a);
            }
        }
        return new Args(pos, opts);
    }

    int run(String command) throws DaemonClient.NoDaemonException {
        try {
            return switch (command) {
                case "pair" -> pair(args(List.of("--no-wait"), List.of("--png")));
                case "join" -> join(args(List.of(), List.of("--addr", "--timeout")));
                case "peers" -> peers(args(List.of(), List.of()));
                case "p2p" -> p2p(args(List.of(), List.of("--count")));
                default -> Main.USAGE;
            };
        } catch (IllegalArgumentException e) {
            err.println("rhizome " + command + ": " + e.getMessage());
            return Main.USAGE;
        }
    }

    private DaemonClient daemon() throws DaemonClient.NoDaemonException {
        return DaemonClient.connect(inv.home(), json);
    }

    private int refused(DaemonClient.Response r) {
        err.println("rhizome: " + r.body().path("message").asText(r.body().toString()));
        return Main.REFUSED;
    }

    // ------------------------------------------------------------------ pair

    /** After the joiner is in: the mesh catch-up with it (the invitation's stage), until done or {@link PairingProgress#CATCH_UP_WAIT}. */
    private int catchUp(DaemonClient d, PairingProgress stage) throws DaemonClient.NoDaemonException {
        long deadline = System.nanoTime() + PairingProgress.CATCH_UP_WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            DaemonClient.Response s = d.get("/v1/pair");
            if (!s.ok()) {
                return refused(s);
            }
            if (s.body().path("stage").asText().equals("done")) {
                stage.end();
                out.println("Caught up with the new device.");
                return Main.OK;
            }
            stage.show(s.body());
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Main.OK;
            }
        }
        stage.end();
        out.println("Still catching up with the new device; 'rhizome sync --wait' waits until done, 'rhizome status' shows how far.");
        return Main.OK;
    }

    private int pair(Args a) throws DaemonClient.NoDaemonException {
        if (!a.positional().isEmpty()) {
            throw new IllegalArgumentException("usage: rhizome pair [--png FILE] [--no-wait]");
        }
        DaemonClient d = daemon();
        DaemonClient.Response r = d.send("POST", "/v1/pair", new byte[0]);
        if (!r.ok()) {
            return refused(r);
        }
        JsonNode i = r.body();
        if (inv.jsonOutput()) {
            out.println(i.toString());
        } else {
            Path png = a.options().containsKey("--png") ? Path.of(a.options().get("--png")) : inv.home().resolve("pairing-qr.png");
            BitMatrix qr = qr(i.path("joinUri").asText());
            out.println();
            out.print(terminalQr(qr));
            out.println();
            out.println("  Pairing code:  " + i.path("code").asText());
            out.println();
            out.println("  On the other device run:   rhizome join " + i.path("code").asText());
            out.println("  (or scan the QR code; it also carries this device's addresses)");
            for (JsonNode addr : i.path("addresses")) {
                out.println("  address: " + addr.asText() + "   (rhizome join CODE --addr ADDRESS if discovery fails)");
            }
            try {
                writePng(qr, png);
                out.println("  QR code image: " + png.toAbsolutePath());
            } catch (IOException e) {
                err.println("rhizome: could not write the QR code image " + png + ": " + e.getMessage());
            }
            out.println("  Valid for 5 minutes, for one device, 3 wrong attempts.");
        }
        if (a.options().containsKey("--no-wait")) {
            return Main.OK;
        }
        if (!inv.jsonOutput()) {
            out.println("  Waiting for the other device... (Ctrl-C stops waiting; the code stays valid)");
        }
        PairingProgress stage = new PairingProgress(err, Terminal.stderr());
        // the invitation just made is waiting: say so at once (a joiner may be in before the first poll)
        if (i.path("stage").asText().equals("waiting-for-joiner")) {
            stage.show(i);
        }
        for (int n = 0; n < 6 * 60; n++) {
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Main.REFUSED;
            }
            DaemonClient.Response s = d.get("/v1/pair");
            if (!s.ok()) {
                return refused(s);
            }
            String state = s.body().path("state").asText();
            if (state.equals("active")) {
                stage.show(s.body());
                continue;
            }
            if (state.equals("used")) {
                stage.end();
                out.println("Paired with device " + s.body().path("pairedWith").asText() + ". Writes now sync between the two devices.");
                return catchUp(d, stage);
            }
            err.println("rhizome: the invitation is " + state + (state.equals("locked") ? " (3 wrong codes were tried)" : "") + "; run 'rhizome pair' again");
            return Main.REFUSED;
        }
        return Main.REFUSED;
    }

    static BitMatrix qr(String content) {
        try {
            return new QRCodeWriter().encode(content, BarcodeFormat.QR_CODE, 0, 0,
                    Map.of(EncodeHintType.ERROR_CORRECTION, ErrorCorrectionLevel.M, EncodeHintType.MARGIN, 2));
        } catch (WriterException e) {
            throw new IllegalStateException("the join link is too long for a QR code", e);
        }
    }

    /** Two QR rows per text line with half blocks; light on dark terminals reads as inverted, which scanners accept. */
    static String terminalQr(BitMatrix m) {
        StringBuilder sb = new StringBuilder();
        for (int y = 0; y < m.getHeight(); y += 2) {
            sb.append("  ");
            for (int x = 0; x < m.getWidth(); x++) {
                boolean top = m.get(x, y);
                boolean bottom = y + 1 < m.getHeight() && m.get(x, y + 1);
                // dark modules are drawn as spaces on a light block background, so the code reads the right way round on dark terminals
                sb.append(top && bottom ? ' ' : top ? '\u2584' : bottom ? '\u2580' : '\u2588');
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    static void writePng(BitMatrix m, Path file) throws IOException {
        int scale = 8;
        BufferedImage img = new BufferedImage(m.getWidth() * scale, m.getHeight() * scale, BufferedImage.TYPE_BYTE_BINARY);
        for (int y = 0; y < m.getHeight() * scale; y++) {
            for (int x = 0; x < m.getWidth() * scale; x++) {
                img.setRGB(x, y, m.get(x / scale, y / scale) ? 0x000000 : 0xFFFFFF);
            }
        }
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        if (!ImageIO.write(img, "png", file.toFile())) {
            throw new IOException("no PNG writer available");
        }
    }

    // ------------------------------------------------------------------ join

    private int join(Args a) throws DaemonClient.NoDaemonException {
        if (a.positional().size() != 1) {
            throw new IllegalArgumentException("usage: rhizome join CODE [--addr MULTIADDR] [--timeout SECONDS]");
        }
        ObjectNode body = json.createObjectNode();
        body.put("code", a.positional().get(0));
        if (a.options().containsKey("--addr")) {
            body.put("addr", a.options().get("--addr"));
        }
        if (a.options().containsKey("--timeout")) {
            try {
                body.put("timeoutSeconds", Long.parseLong(a.options().get("--timeout")));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--timeout must be a number of seconds");
            }
        }
        if (!inv.jsonOutput()) {
            out.println(a.options().containsKey("--addr") ? "Pairing with " + a.options().get("--addr") + "..."
                    : "Looking for the device showing this code on the local network...");
        }
        DaemonClient.Response r = daemon().send("POST", "/v1/join", body.toString().getBytes(StandardCharsets.UTF_8));
        if (!r.ok()) {
            return refused(r);
        }
        if (inv.jsonOutput()) {
            out.println(r.body().toString());
            return Main.OK;
        }
        out.println("Joined the mesh of device " + r.body().path("deviceId").asText());
        out.println("  fingerprint: " + r.body().path("fingerprint").asText() + "   (compare it with 'rhizome identity' on that device)");
        out.println("Data now syncs between the two devices.");
        return Main.OK;
    }

    /** One line per trusted device; HELD BACK counts streams that wait (details: rhizome status). */
    static String peerTable(JsonNode peers) {
        StringBuilder b = new StringBuilder();
        String format = "%-44s %-10s %-9s %-24s %-24s %-8s %-9s %s%n";
        b.append(String.format(format, "DEVICE", "CONNECTED", "TRANSPORT", "LAST SEEN", "LAST SYNC", "PENDING", "HELD BACK", "PAIRED"));
        for (JsonNode n : peers.path("peers")) {
            b.append(String.format(format, n.path("deviceId").asText(), n.path("connected").asBoolean() ? "yes" : "no",
                    StatusView.text(n, "transport").orElse("-"), StatusView.text(n, "lastSeen").orElse("never"),
                    StatusView.text(n, "lastSync").orElse("never"), n.path("pendingEvents").asLong(),
                    n.path("heldBackStreams").asInt(), n.path("pairedAt").asText() + " (" + n.path("via").asText() + ")"));
        }
        return b.toString();
    }

    // ------------------------------------------------------------------ peers

    private int peers(Args a) throws DaemonClient.NoDaemonException {
        List<String> p = a.positional();
        if (p.size() == 2 && p.get(0).equals("revoke")) {
            DaemonClient.Response r = daemon().send("DELETE", "/v1/peers/" + p.get(1), new byte[0]);
            if (!r.ok()) {
                return refused(r);
            }
            out.println("Revoked " + p.get(1) + ": it no longer syncs with this mesh and cannot read anything written from now on (new mesh key epoch).");
            return Main.OK;
        }
        if (!p.isEmpty()) {
            throw new IllegalArgumentException("usage: rhizome peers | rhizome peers revoke DEVICE_ID");
        }
        DaemonClient.Response r = daemon().get("/v1/peers");
        if (!r.ok()) {
            return refused(r);
        }
        if (inv.jsonOutput()) {
            out.println(r.body().toString());
            return Main.OK;
        }
        if (r.body().path("peers").isEmpty()) {
            out.println("No paired devices. Pair one with: rhizome pair   (and on the other device: rhizome join CODE)");
            return Main.OK;
        }
        out.print(peerTable(r.body()));
        return Main.OK;
    }

    // ------------------------------------------------------------------ p2p

    private int p2p(Args a) throws DaemonClient.NoDaemonException {
        List<String> p = a.positional();
        if (p.size() != 2 || !(p.get(0).equals("ping") || p.get(0).equals("connect"))) {
            throw new IllegalArgumentException("usage: rhizome p2p ping MULTIADDR [--count N] | rhizome p2p connect MULTIADDR");
        }
        ObjectNode body = json.createObjectNode();
        body.put("addr", p.get(1));
        if (a.options().containsKey("--count")) {
            try {
                body.put("count", Integer.parseInt(a.options().get("--count")));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--count must be a number");
            }
        }
        DaemonClient.Response r = daemon().send("POST", "/v1/p2p/" + p.get(0), body.toString().getBytes(StandardCharsets.UTF_8));
        if (!r.ok()) {
            return refused(r);
        }
        if (inv.jsonOutput()) {
            out.println(r.body().toString());
            return Main.OK;
        }
        if (p.get(0).equals("ping")) {
            for (JsonNode rtt : r.body().path("rttMillis")) {
                out.printf("pong from %s: time=%.2f ms%n", p.get(1), rtt.asDouble());
            }
            return Main.OK;
        }
        JsonNode b = r.body();
        out.println("connected to " + b.path("peerId").asText("?"));
        out.println("  agent:     " + b.path("agentVersion").asText("?") + "  (" + b.path("protocolVersion").asText("?") + ")");
        for (JsonNode proto : b.path("protocols")) {
            out.println("  protocol:  " + proto.asText());
        }
        for (JsonNode addr : b.path("listenAddresses")) {
            out.println("  listens:   " + addr.asText());
        }
        if (b.has("syncPeer")) {
            out.println("  syncing with Rhizome device " + b.path("syncPeer").asText() + " (if it is paired)");
        } else if (b.has("syncError")) {
            out.println("  sync connection failed: " + b.path("syncError").asText());
        }
        return Main.OK;
    }
}
