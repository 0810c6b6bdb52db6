package io.rhizome.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** The N daemons: started, paired into one mesh through the first one, the harness's namespaces declared. */
final class Cluster {
    final List<Node> nodes = new ArrayList<>();
    final Net net;

    Cluster(int count, String nsPrefix, String ipPrefix, String devPrefix, Path work, Path root, Path pids) {
        for (int i = 0; i < count; i++) {
            nodes.add(new Node(i, nsPrefix + i, ipPrefix + (i + 1), work.resolve("n" + i), root, pids));
        }
        net = new Net(nodes, devPrefix);
    }

    void startAll() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(nodes.size());
        try {
            List<Future<?>> started = new ArrayList<>();
            for (Node n : nodes) {
                started.add(pool.submit(() -> {
                    n.start(0);
                    return null;
                }));
            }
            for (Future<?> f : started) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    /** Every other node joins the first; the mesh update makes them trusted devices of each other. */
    void pair() throws Exception {
        Node first = nodes.get(0);
        for (Node n : nodes.subList(1, nodes.size())) {
            Rest.Answer inv = first.rest.post("/v1/pair", "");
            // api.json appears once REST and the engine answer; the libp2p transport may start a moment later
            for (int tries = 0; inv.status() == 503 && tries < 120; tries++) {
                Thread.sleep(500);
                inv = first.rest.post("/v1/pair", "");
            }
            if (!inv.ok()) {
                throw new IOException("pair on n0 answered " + inv.status() + ": " + inv.body());
            }
            String addr = null;
            for (JsonNode a : inv.json().path("addresses")) {
                if (a.asText().contains("/" + first.ip + "/")) {
                    addr = a.asText();
                }
            }
            if (addr == null) {
                throw new IOException("n0's invitation names no address on " + first.ip + ": " + inv.body());
            }
            String body = Rest.JSON.createObjectNode().put("code", inv.json().path("code").asText()).put("addr", addr).put("timeoutSeconds", 60).toString();
            Rest.Answer joined = n.rest.send("POST", "/v1/join", body, java.time.Duration.ofSeconds(90));
            if (!joined.ok()) {
                throw new IOException(n.name() + " join answered " + joined.status() + ": " + joined.body());
            }
        }
        awaitMesh(180);
        for (String[] ns : Writer.NAMESPACES) {
            Rest.Answer a = first.rest.post("/v1/ns", Rest.JSON.createObjectNode().put("name", ns[0]).put("crdtType", ns[1]).toString());
            if (!a.ok()) {
                throw new IOException("declaring " + ns[0] + " answered " + a.status() + ": " + a.body());
            }
        }
        long deadline = System.nanoTime() + 120_000_000_000L;
        for (Node n : nodes) {
            while (declared(n) < Writer.NAMESPACES.length) {
                if (System.nanoTime() > deadline) {
                    throw new IOException(n.name() + " did not learn the harness's namespace declarations within 120 s");
                }
                Thread.sleep(250);
            }
        }
    }

    /** Waits until every node has every other one as a connected peer. */
    void awaitMesh(int seconds) throws Exception {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        for (Node n : nodes) {
            while (connectedPeers(n) < nodes.size() - 1) {
                if (System.nanoTime() > deadline) {
                    throw new IOException(n.name() + " has " + connectedPeers(n) + " connected peers after " + seconds + " s, expected "
                            + (nodes.size() - 1) + ": " + n.rest.get("/v1/peers").body());
                }
                Thread.sleep(250);
            }
        }
    }

    static int connectedPeers(Node n) throws IOException {
        int c = 0;
        for (JsonNode p : n.rest.get("/v1/peers").json().path("peers")) {
            c += p.path("connected").asBoolean() ? 1 : 0;
        }
        return c;
    }

    private static int declared(Node n) throws IOException {
        int c = 0;
        JsonNode list = n.rest.get("/v1/ns").json().path("namespaces");
        for (String[] ns : Writer.NAMESPACES) {
            for (JsonNode d : list) {
                c += d.path("name").asText().equals(ns[0]) && d.path("crdtType").asText().equals(ns[1]) ? 1 : 0;
            }
        }
        return c;
    }
}
