package io.rhizome.conformance.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.rhizome.spi.store.EntityRef;
import io.rhizome.spi.store.LogEntry;
import io.rhizome.spi.store.NewEntry;
import io.rhizome.spi.store.ReplicaStore;
import io.rhizome.spi.store.StoreException;

/**
 * The behaviour every {@link ReplicaStore} must show. A store implementation's test bundle
 * subclasses this, says how to open and close a store on a folder, and inherits every test:
 * append/read/get, idempotent re-delivery, positions, author seqs, metadata, checkpoints, that
 * closing and re-opening keeps everything, concurrent writers, and the metadata space cases of
 * {@link MetadataSpaceConformance}.
 *
 * <p>Each test gets a fresh empty folder.
 */
public abstract class ReplicaStoreConformance extends MetadataSpaceConformance {

    protected static NewEntry entry(String author, long seq) {
        return new NewEntry(author, seq, bytes(author + "/" + seq + "/payload"));
    }

    private static void assertEntry(LogEntry e, long position, String author, long seq) {
        assertEquals(position, e.position(), "position of " + author + "/" + seq);
        assertEquals(author, e.stream());
        assertEquals(seq, e.seq());
        assertArrayEquals(bytes(author + "/" + seq + "/payload"), e.payload(), "payload of " + author + "/" + seq);
    }

    // ------------------------------------------------------------------ basics

    @Test
    void newStoreIsEmpty() throws Exception {
        assertEquals(0, store.head());
        assertTrue(store.read(0, 10, Long.MAX_VALUE).isEmpty());
        assertTrue(store.streamSeqs().isEmpty());
        assertTrue(store.get("a", 1).isEmpty());
        assertTrue(store.meta("x").isEmpty());
        assertTrue(store.metaWithPrefix("").isEmpty());
        assertEquals(0, store.checkpointPosition());
        assertTrue(store.checkpointedKeys("ns").isEmpty());
        assertTrue(store.entityState(new EntityRef("ns", "k")).isEmpty());
        assertFalse(store.location().isBlank());
    }

    @Test
    void appendAssignsConsecutivePositionsInOrder() throws Exception {
        List<LogEntry> first = store.append(List.of(entry("a", 1), entry("b", 1), entry("a", 2)), Map.of());
        assertEquals(3, first.size());
        assertEntry(first.get(0), 0, "a", 1);
        assertEntry(first.get(1), 1, "b", 1);
        assertEntry(first.get(2), 2, "a", 2);
        List<LogEntry> second = store.append(List.of(entry("b", 2)), Map.of());
        assertEntry(second.get(0), 3, "b", 2);
        assertEquals(4, store.head());
    }

    @Test
    void readReturnsEntriesInPositionOrderWithinLimits() throws Exception {
        List<NewEntry> entries = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            entries.add(entry("a", i));
        }
        store.append(entries, Map.of());
        List<LogEntry> firstFour = store.read(0, 4, Long.MAX_VALUE);
        assertEquals(4, firstFour.size());
        for (int i = 0; i < 4; i++) {
            assertEntry(firstFour.get(i), i, "a", i + 1);
        }
        List<LogEntry> rest = store.read(4, 100, Long.MAX_VALUE);
        assertEquals(6, rest.size());
        assertEntry(rest.get(0), 4, "a", 5);
        assertEntry(rest.get(5), 9, "a", 10);
        assertTrue(store.read(10, 100, Long.MAX_VALUE).isEmpty());
        assertTrue(store.read(1_000, 100, Long.MAX_VALUE).isEmpty());
    }

    @Test
    void readStopsAtTheByteLimitButReturnsAtLeastOneEntry() throws Exception {
        byte[] hundred = new byte[100];
        List<NewEntry> entries = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            entries.add(new NewEntry("a", i, hundred));
        }
        store.append(entries, Map.of());
        assertEquals(1, store.read(0, 100, 1).size(), "one entry even when it alone exceeds maxBytes");
        assertEquals(1, store.read(3, 100, 0).size());
        List<LogEntry> limited = store.read(0, 100, 250);
        assertTrue(limited.size() >= 2 && limited.size() <= 3, "stops once 250 bytes are reached: " + limited.size());
        long beforeLast = limited.subList(0, limited.size() - 1).stream().mapToLong(e -> e.payload().length).sum();
        assertTrue(beforeLast < 250, "no entry is added after the limit was reached");
        assertEquals(10, store.read(0, 100, 1_000).size());
    }

    @Test
    void getFindsAnEntryByAuthorAndSeq() throws Exception {
        store.append(List.of(entry("a", 1), entry("b", 1), entry("a", 2)), Map.of());
        Optional<LogEntry> a2 = store.get("a", 2);
        assertTrue(a2.isPresent());
        assertEntry(a2.get(), 2, "a", 2);
        assertEntry(store.get("b", 1).orElseThrow(), 1, "b", 1);
        assertTrue(store.get("a", 3).isEmpty());
        assertTrue(store.get("c", 1).isEmpty());
    }

    @Test
    void reAppendingKnownEntriesIsSkipped() throws Exception {
        store.append(List.of(entry("a", 1), entry("a", 2)), Map.of());
        assertTrue(store.append(List.of(entry("a", 1), entry("a", 2)), Map.of()).isEmpty());
        assertEquals(2, store.head());
        List<LogEntry> mixed = store.append(List.of(entry("a", 2), entry("b", 1), entry("a", 3)), Map.of());
        assertEquals(2, mixed.size());
        assertEntry(mixed.get(0), 2, "b", 1);
        assertEntry(mixed.get(1), 3, "a", 3);
        assertEquals(4, store.head());
        assertEquals(4, store.read(0, 100, Long.MAX_VALUE).size(), "no duplicates in the log");
    }

    @Test
    void aDuplicateWithinOneCallIsAppendedOnce() throws Exception {
        List<LogEntry> appended = store.append(List.of(entry("a", 1), entry("a", 1)), Map.of());
        assertEquals(1, appended.size());
        assertEquals(1, store.head());
    }

    @Test
    void streamSeqsAreTheHighestContiguousSeqPerStream() throws Exception {
        store.append(List.of(entry("a", 1), entry("a", 2), entry("b", 1), entry("a", 3)), Map.of());
        assertEquals(Map.of("a", 3L, "b", 1L), store.streamSeqs());
        store.append(List.of(entry("c", 2)), Map.of());
        assertEquals(0L, store.streamSeqs().getOrDefault("c", 0L), "c/1 is missing, so nothing of c is contiguous");
        store.append(List.of(entry("c", 1)), Map.of());
        assertEquals(2L, store.streamSeqs().get("c"), "c/1 closes the gap");
    }

    // ------------------------------------------------------------------ metadata

    @Test
    void metadataIsSetWithAnAppendAndClearedByAnEmptyValue() throws Exception {
        store.append(List.of(entry("a", 1)), Map.of("seq/a", bytes("1"), "peer/x", bytes("X")));
        assertArrayEquals(bytes("1"), store.meta("seq/a").orElseThrow());
        store.append(List.of(), Map.of("seq/a", bytes("2")));
        assertArrayEquals(bytes("2"), store.meta("seq/a").orElseThrow());
        store.append(List.of(entry("a", 2)), Map.of("peer/x", new byte[0]));
        assertTrue(store.meta("peer/x").isEmpty());
        assertTrue(store.meta("never").isEmpty());
        assertEquals(2, store.head());
    }

    @Test
    void putMetaSetsAndClearsValues() throws Exception {
        store.putMeta(Map.of("a", bytes("1"), "b", bytes("2")));
        assertArrayEquals(bytes("1"), store.meta("a").orElseThrow());
        store.putMeta(Map.of("a", new byte[0], "b", bytes("3")));
        assertTrue(store.meta("a").isEmpty());
        assertArrayEquals(bytes("3"), store.meta("b").orElseThrow());
        assertEquals(0, store.head(), "metadata does not touch the log");
    }

    @Test
    void metaWithPrefixReturnsMatchingNamesSorted() throws Exception {
        Map<String, byte[]> values = new HashMap<>();
        for (String name : List.of("peer/b", "peer/a", "peerx", "other", "peer/c/1", "pee")) {
            values.put(name, bytes(name));
        }
        store.putMeta(values);
        Map<String, byte[]> peers = store.metaWithPrefix("peer/");
        assertEquals(List.of("peer/a", "peer/b", "peer/c/1"), new ArrayList<>(peers.keySet()));
        peers.forEach((name, value) -> assertArrayEquals(bytes(name), value));
        assertEquals(6, store.metaWithPrefix("").size());
        assertTrue(store.metaWithPrefix("zzz").isEmpty());
    }

    // ------------------------------------------------------------------ checkpoints

    @Test
    void checkpointsSaveStatesWithTheirLogPosition() throws Exception {
        store.append(List.of(entry("a", 1), entry("a", 2)), Map.of());
        Map<EntityRef, byte[]> states = new LinkedHashMap<>();
        states.put(new EntityRef("notes", "k2"), bytes("two"));
        states.put(new EntityRef("notes", "k1"), bytes("one"));
        states.put(new EntityRef("prefs", "theme"), bytes("dark"));
        store.checkpoint(states, 2);
        assertEquals(2, store.checkpointPosition());
        assertArrayEquals(bytes("one"), store.entityState(new EntityRef("notes", "k1")).orElseThrow());
        assertEquals(List.of("k1", "k2"), store.checkpointedKeys("notes"));
        assertEquals(List.of("theme"), store.checkpointedKeys("prefs"));
        assertTrue(store.checkpointedKeys("other").isEmpty());

        store.append(List.of(entry("a", 3)), Map.of());
        store.checkpoint(Map.of(new EntityRef("notes", "k2"), new byte[0], new EntityRef("notes", "k1"), bytes("uno")), 3);
        assertEquals(3, store.checkpointPosition());
        assertEquals(List.of("k1"), store.checkpointedKeys("notes"));
        assertArrayEquals(bytes("uno"), store.entityState(new EntityRef("notes", "k1")).orElseThrow());
        assertTrue(store.entityState(new EntityRef("notes", "k2")).isEmpty());
    }

    @Test
    void namespacesThatShareAPrefixStayApart() throws Exception {
        store.checkpoint(Map.of(new EntityRef("ab", "c"), bytes("1"), new EntityRef("abc", ""), bytes("2"),
                new EntityRef("a", "bc"), bytes("3")), 0);
        assertEquals(List.of("c"), store.checkpointedKeys("ab"));
        assertEquals(List.of(""), store.checkpointedKeys("abc"));
        assertEquals(List.of("bc"), store.checkpointedKeys("a"));
        assertArrayEquals(bytes("2"), store.entityState(new EntityRef("abc", "")).orElseThrow());
    }

    // ------------------------------------------------------------------ durability across close

    @Test
    void reopeningKeepsEverything() throws Exception {
        store.append(List.of(entry("a", 1), entry("b", 1), entry("a", 2)), Map.of("seq/a", bytes("2")));
        store.putMeta(Map.of("peer/x", bytes("X")));
        store.checkpoint(Map.of(new EntityRef("notes", "k"), bytes("state")), 3);
        store.append(List.of(entry("b", 2)), Map.of());

        reopen();

        assertEquals(4, store.head());
        List<LogEntry> all = store.read(0, 100, Long.MAX_VALUE);
        assertEquals(4, all.size());
        assertEntry(all.get(0), 0, "a", 1);
        assertEntry(all.get(1), 1, "b", 1);
        assertEntry(all.get(2), 2, "a", 2);
        assertEntry(all.get(3), 3, "b", 2);
        assertEntry(store.get("b", 2).orElseThrow(), 3, "b", 2);
        assertEquals(Map.of("a", 2L, "b", 2L), store.streamSeqs());
        assertArrayEquals(bytes("2"), store.meta("seq/a").orElseThrow());
        assertArrayEquals(bytes("X"), store.meta("peer/x").orElseThrow());
        assertEquals(3, store.checkpointPosition());
        assertArrayEquals(bytes("state"), store.entityState(new EntityRef("notes", "k")).orElseThrow());
        assertEquals(List.of("k"), store.checkpointedKeys("notes"));

        // The log goes on where it stopped, and re-delivery is still recognised.
        assertTrue(store.append(List.of(entry("a", 1)), Map.of()).isEmpty());
        assertEntry(store.append(List.of(entry("a", 3)), Map.of()).get(0), 4, "a", 3);
    }

    @Test
    void aClosedStoreRefusesCalls() throws Exception {
        store.append(List.of(entry("a", 1)), Map.of());
        ReplicaStore closed = store;
        close(closed);
        store = null;
        assertThrows(StoreException.class, () -> closed.append(List.of(entry("a", 2)), Map.of()));
        assertThrows(StoreException.class, () -> closed.read(0, 1, 1));
        assertThrows(StoreException.class, () -> closed.meta("x"));
        store = open(folder);
        assertEquals(1, store.head(), "nothing was written after the close");
    }

    // ------------------------------------------------------------------ concurrency

    @Test
    void concurrentWritersAllLandWithUniqueGapFreePositions() throws Exception {
        int threads = 8;
        int perThread = 400;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        ConcurrentLinkedQueue<LogEntry> acknowledged = new ConcurrentLinkedQueue<>();
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String author = "device-" + t;
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int seq = 1; seq <= perThread; seq++) {
                        List<LogEntry> appended = store.append(List.of(entry(author, seq)),
                                Map.of("seq/" + author, bytes(Integer.toString(seq))));
                        if (appended.size() != 1) {
                            throw new AssertionError(author + "/" + seq + " was not appended: " + appended);
                        }
                        acknowledged.add(appended.get(0));
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        }
        int total = threads * perThread;
        assertEquals(total, acknowledged.size());
        assertEquals(total, store.head());
        Set<Long> positions = new HashSet<>();
        for (LogEntry e : acknowledged) {
            assertTrue(positions.add(e.position()), "position " + e.position() + " handed out twice");
            assertEntry(store.get(e.stream(), e.seq()).orElseThrow(), e.position(), e.stream(), e.seq());
        }
        List<LogEntry> log = new ArrayList<>();
        for (long from = 0; from < total; ) {
            List<LogEntry> page = store.read(from, 1_000, Long.MAX_VALUE);
            if (page.isEmpty()) {
                fail("the log ends at " + from + " but " + total + " entries were acknowledged");
            }
            log.addAll(page);
            from = page.get(page.size() - 1).position() + 1;
        }
        for (int i = 0; i < total; i++) {
            assertEquals(i, log.get(i).position(), "positions are gap-free");
        }
        Map<String, Long> lastSeq = new HashMap<>();
        for (LogEntry e : log) {
            long previous = lastSeq.getOrDefault(e.stream(), 0L);
            assertEquals(previous + 1, e.seq(), "each author's entries are in the order they were appended");
            lastSeq.put(e.stream(), e.seq());
        }
        for (int t = 0; t < threads; t++) {
            assertEquals((long) perThread, store.streamSeqs().get("device-" + t));
            assertArrayEquals(bytes(Integer.toString(perThread)), store.meta("seq/device-" + t).orElseThrow());
        }
    }

    @Test
    void readersNeverSeeHalfOfAnAppend() throws Exception {
        int calls = 300;
        Thread writer = new Thread(() -> {
            try {
                for (int i = 1; i <= calls; i++) {
                    store.append(List.of(entry("a", 2L * i - 1), entry("a", 2L * i)), Map.of());
                }
            } catch (StoreException e) {
                throw new IllegalStateException(e);
            }
        });
        writer.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (writer.isAlive()) {
            long head = store.head();
            assertEquals(0, head % 2, "the head never stops inside a two-entry append");
            List<LogEntry> seen = store.read(0, Integer.MAX_VALUE, Long.MAX_VALUE);
            assertEquals(0, seen.size() % 2, "a read sees whole appends only");
            assertTrue(seen.size() >= head, "everything below the head is readable");
            if (System.nanoTime() > deadline) {
                fail("writer did not finish within 120 s");
            }
        }
        writer.join();
        assertEquals(2L * calls, store.head());
    }
}
