package io.rhizome.store.postgres.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.rhizome.spi.store.LogEntry;
import io.rhizome.spi.store.MetadataOwner;
import io.rhizome.spi.store.NewEntry;
import io.rhizome.testsupport.postgres.PostgresServer;

/**
 * Two store instances (two hubs' worth: separate connection pools) on one database, writing at
 * the same time. Both receive the same change sets, as two hubs behind one relay name do when a
 * device reconnects to the other one, and each also its own: every change set is stored once,
 * acknowledged as appended by exactly one of them, positions stay gap-free, and both serve the
 * same log, stream seqs and metadata.
 */
class TwoStoresOnOneDatabaseTest {

    private static PostgresServer server;

    @BeforeAll
    static void startServer() throws Exception {
        server = PostgresServer.start();
        server.createDatabase("hubs");
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private static NewEntry entry(String stream, long seq) {
        return new NewEntry(stream, seq, (stream + "/" + seq).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void twoStoresReceivingTheSameChangeSetsStoreEachOnce() throws Exception {
        PostgresSettings settings = PostgresSettings.of(server.url("hubs"), server.user(), server.password());
        PostgresReplicaStore hubA = PostgresReplicaStore.open(settings);
        PostgresReplicaStore hubB = PostgresReplicaStore.open(settings);
        int sharedStreams = 4;
        int perStream = 150;
        int writersPerHub = 4;
        ExecutorService pool = Executors.newFixedThreadPool(2 * writersPerHub);
        CountDownLatch go = new CountDownLatch(1);
        ConcurrentLinkedQueue<LogEntry> appendedByA = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<LogEntry> appendedByB = new ConcurrentLinkedQueue<>();
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < writersPerHub; w++) {
                for (PostgresReplicaStore hub : List.of(hubA, hubB)) {
                    ConcurrentLinkedQueue<LogEntry> acked = hub == hubA ? appendedByA : appendedByB;
                    String own = (hub == hubA ? "own-a-" : "own-b-") + w;
                    String shared = "shared-" + (w % sharedStreams);
                    futures.add(pool.submit(() -> {
                        go.await();
                        for (int seq = 1; seq <= perStream; seq++) {
                            // in pairs, as a batch from a device: the shared one and this hub's own
                            acked.addAll(hub.append(List.of(entry(shared, seq), entry(own, seq)),
                                    Map.of("last/" + shared, Integer.toString(seq).getBytes(StandardCharsets.UTF_8))));
                        }
                        return null;
                    }));
                }
            }
            go.countDown();
            for (Future<?> f : futures) {
                f.get(180, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        }

        int distinct = (sharedStreams + 2 * writersPerHub) * perStream;
        Set<String> keys = new HashSet<>();
        Set<Long> positions = new HashSet<>();
        for (LogEntry e : concat(appendedByA, appendedByB)) {
            assertTrue(keys.add(e.stream() + "/" + e.seq()), e.stream() + "/" + e.seq() + " acknowledged as appended twice");
            assertTrue(positions.add(e.position()), "position " + e.position() + " handed out twice");
        }
        assertEquals(distinct, keys.size(), "every change set was appended by one of the two");
        assertEquals(distinct, hubA.head());
        assertEquals(distinct, hubB.head());
        assertEquals(Integer.toString(distinct), server.sql("hubs", "SELECT count(*) FROM rhizome_log"), "nothing stored twice");
        assertEquals("0", server.sql("hubs", "SELECT count(*) FROM (SELECT stream, seq FROM rhizome_log GROUP BY stream, seq "
                + "HAVING count(*) > 1) d"));

        List<LogEntry> logA = hubA.read(0, Integer.MAX_VALUE, Long.MAX_VALUE);
        List<LogEntry> logB = hubB.read(0, Integer.MAX_VALUE, Long.MAX_VALUE);
        assertEquals(distinct, logA.size());
        Map<String, Long> lastSeq = new HashMap<>();
        for (int i = 0; i < distinct; i++) {
            LogEntry a = logA.get(i);
            LogEntry b = logB.get(i);
            assertEquals(i, a.position(), "positions are gap-free");
            assertEquals(a.stream() + "/" + a.seq(), b.stream() + "/" + b.seq(), "both hubs serve the same log");
            assertArrayEquals((a.stream() + "/" + a.seq()).getBytes(StandardCharsets.UTF_8), a.payload());
            assertEquals(lastSeq.getOrDefault(a.stream(), 0L) + 1, a.seq(), "a stream's change sets are in order");
            lastSeq.put(a.stream(), a.seq());
        }
        Map<String, Long> seqs = hubA.streamSeqs();
        assertEquals(seqs, hubB.streamSeqs());
        assertEquals(sharedStreams + 2 * writersPerHub, seqs.size());
        seqs.values().forEach(s -> assertEquals((long) perStream, s));
        for (int s = 0; s < sharedStreams; s++) {
            assertArrayEquals(Integer.toString(perStream).getBytes(StandardCharsets.UTF_8),
                    hubB.meta("last/shared-" + s).orElseThrow(), "the last update of a value wins, whichever hub wrote it");
        }

        // what one hub writes, the other serves at once
        hubA.metadata(MetadataOwner.bundle("io.example.pairing")).put("trusted/x", "X".getBytes(StandardCharsets.UTF_8));
        assertArrayEquals("X".getBytes(StandardCharsets.UTF_8),
                hubB.metadata(MetadataOwner.bundle("io.example.pairing")).get("trusted/x").orElseThrow());
        LogEntry next = hubB.append(List.of(entry("late", 1)), Map.of()).get(0);
        assertEquals(distinct, next.position());
        assertEquals(next.position(), hubA.get("late", 1).orElseThrow().position());
        assertEquals(distinct + 1, hubA.head());
        hubA.close();
        hubB.close();
    }

    private static List<LogEntry> concat(ConcurrentLinkedQueue<LogEntry> a, ConcurrentLinkedQueue<LogEntry> b) {
        List<LogEntry> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
