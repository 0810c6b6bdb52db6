package io.rhizome.core.tests.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;

import io.rhizome.api.HeldBack;
import io.rhizome.api.PeerStatus;
import io.rhizome.api.SyncException;
import io.rhizome.api.SyncService;
import io.rhizome.core.internal.engine.SyncEngine;
import io.rhizome.spi.namespace.NamespaceDefinition;
import io.rhizome.testsupport.Await;

/**
 * Property (issue #10): three engines with random namespace declarations (some of them
 * conflicting in type), random writes before and after they connect, and oversized writes mixed
 * in. Whatever the mix: every stream converges on every engine that can take it, every engine that
 * cannot take a stream reports it held back (incoming), its writer reports it held back (outgoing),
 * and no oversized write is ever acknowledged.
 */
class HeldStreamPropertyTest {

    private static final List<String> TYPES = List.of("lww-register", "pn-counter", "g-counter");
    private static final List<String> NODES = List.of("A", "B", "C");
    private static final int NAMESPACES = 4;
    private static final int KEYS = 3;
    private static final String TOO_LARGE = "x".repeat(SyncEngine.MAX_CHANGE_SET_BYTES + 1024);

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 })
    void everyStreamConvergesWhereItCanAndEveryRefusalIsReported(long seed) throws Exception {
        Random rnd = new Random(seed);
        Map<String, Map<String, String>> typeOf = new HashMap<>(); // node -> namespace -> type
        for (String n : NODES) {
            typeOf.put(n, new HashMap<>());
        }
        for (int i = 0; i < NAMESPACES; i++) {
            String ns = "p" + i;
            String base = TYPES.get(rnd.nextInt(TYPES.size()));
            for (String n : NODES) {
                typeOf.get(n).put(ns, rnd.nextInt(4) == 0 ? TYPES.get(rnd.nextInt(TYPES.size())) : base);
            }
        }
        try (Mesh mesh = new Mesh()) {
            mesh.allowUndeclared = false;
            mesh.extraNamespaces = id -> typeOf.get(id).entrySet().stream().map(e -> NamespaceDefinition.of(e.getKey(), e.getValue()))
                    .toList();
            for (String n : NODES) {
                mesh.start(n);
            }
            int oversizedRefused = 0;
            oversizedRefused += writeRandomly(mesh, typeOf, rnd, 12);
            mesh.connect("A", "B");
            mesh.connect("B", "C");
            oversizedRefused += writeRandomly(mesh, typeOf, rnd, 12);
            mesh.connect("C", "A");
            oversizedRefused += writeRandomly(mesh, typeOf, rnd, 6);

            Map<String, Long> all = new HashMap<>();
            for (String n : NODES) {
                mesh.node(n).engine().versions().forEach((k, v) -> all.merge(k, v, Math::max));
            }
            Await.until(Mesh.WAIT, "seed " + seed + ": every stream is everywhere it can be, and held back where it cannot", () -> {
                for (Map.Entry<String, Long> s : all.entrySet()) {
                    String ns = s.getKey().substring(0, s.getKey().indexOf('|'));
                    String author = s.getKey().substring(s.getKey().indexOf('|') + 1);
                    for (String n : NODES) {
                        long has = mesh.node(n).engine().versions().getOrDefault(s.getKey(), 0L);
                        if (typeOf.get(n).get(ns).equals(typeOf.get(author).get(ns))) {
                            if (has != s.getValue()) {
                                return false;
                            }
                        } else if (has != 0 || !heldBy(mesh, n, author, ns, HeldBack.Direction.INCOMING)
                                || !heldBy(mesh, author, n, ns, HeldBack.Direction.OUTGOING)) {
                            return false;
                        }
                    }
                }
                return true;
            });
            // Same type, same values.
            for (int i = 0; i < NAMESPACES; i++) {
                String ns = "p" + i;
                Map<String, List<String>> byType = new HashMap<>();
                for (String n : NODES) {
                    byType.computeIfAbsent(typeOf.get(n).get(ns), t -> new ArrayList<>()).add(n);
                }
                for (List<String> group : byType.values()) {
                    for (int k = 0; k < KEYS; k++) {
                        String key = "k" + k;
                        for (String n : group) {
                            assertEquals(mesh.value(group.get(0), ns, key), mesh.value(n, ns, key),
                                    "seed " + seed + ": " + ns + "/" + key + " on " + group.get(0) + " and " + n);
                        }
                    }
                }
            }
            // Every stream's length counts only acknowledged writes: oversized ones never got a number.
            long written = 0;
            for (String n : NODES) {
                written += mesh.node(n).engine().localChangeSetCount();
            }
            assertEquals(30 * NODES.size() - oversizedRefused, written, "seed " + seed + ": acknowledged writes are exactly the logged ones");
            Set<String> streams = new TreeSet<>(all.keySet());
            assertTrue(streams.stream().mapToLong(all::get).sum() == written, "seed " + seed + ": stream numbers are contiguous " + all);
        }
    }

    private static boolean heldBy(Mesh mesh, String node, String peer, String ns, HeldBack.Direction d) {
        return mesh.node(node).service().status().peers().stream().filter(p -> p.peerId().equals(peer)).map(PeerStatus::heldBack)
                .flatMap(List::stream).anyMatch(h -> h.direction() == d && h.namespace().equals(ns));
    }

    /** {@code rounds} writes on each node; returns how many were refused as too large (and must have written nothing). */
    private static int writeRandomly(Mesh mesh, Map<String, Map<String, String>> typeOf, Random rnd, int rounds) {
        int refused = 0;
        for (int r = 0; r < rounds; r++) {
            for (String n : NODES) {
                SyncService s = mesh.node(n).service();
                String ns = "p" + rnd.nextInt(NAMESPACES);
                String key = "k" + rnd.nextInt(KEYS);
                String type = typeOf.get(n).get(ns);
                long before = mesh.node(n).engine().localChangeSetCount();
                try {
                    if (type.equals("lww-register")) {
                        s.put(ns, key, rnd.nextInt(10) == 0 ? TextNode.valueOf(TOO_LARGE) : IntNode.valueOf(rnd.nextInt(100)));
                    } else {
                        s.increment(ns, key, 1 + rnd.nextInt(5));
                    }
                } catch (SyncException e) {
                    assertEquals(SyncException.Reason.VALUE_TOO_LARGE, e.reason(), e.getMessage());
                    assertEquals(before, mesh.node(n).engine().localChangeSetCount(), "a refused write logs nothing");
                    refused++;
                }
            }
        }
        return refused;
    }
}
