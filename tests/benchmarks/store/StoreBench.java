import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import io.rhizome.spi.store.EntityRef;
import io.rhizome.spi.store.LogEntry;
import io.rhizome.spi.store.NewEntry;
import io.rhizome.store.mapdb.internal.MapDbReplicaStore;
import io.rhizome.store.mapdb.internal.StoreSettings;

/**
 * Benchmark harness for the MapDB replica store (not a test). Two runs:
 *
 * <ul>
 * <li>{@code enqueue FOLDER WRITERS SECONDS [shared]}: WRITERS threads each append one ~200-byte
 * entry per call, durably (each call returns after its group commit is on disk), for SECONDS;
 * prints the rate and the call latency percentiles. Each writer is its own author, or with
 * {@code shared} all writers are one author (one device's local writes) taking seqs from one
 * counter, so entries also arrive slightly out of seq order.</li>
 * <li>{@code fill FOLDER TOTAL WRITERS PER_CALL}: appends TOTAL entries (PER_CALL entries per call,
 * durable per call) and, every 10 %, prints the rate, the heap used after a full GC and the size
 * on disk; then re-opens the store and times random gets and a sequential read.</li>
 * <li>{@code checkpoint FOLDER ENTITIES BYTES}: checkpoints ENTITIES entity states of BYTES bytes,
 * 1,000 per call; prints the rate; then re-opens the store (which opens every checkpoint once) and
 * times it and reading every state back.</li>
 * </ul>
 */
public final class StoreBench {

    static final int PAYLOAD = 200;
    /** The store key of the benchmark's stores (the node's comes from its key service). */
    static final byte[] STORE_KEY = new byte[32];

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "enqueue" -> enqueue(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                    args.length > 4 && args[4].equals("shared"));
            case "fill" -> fill(Path.of(args[1]), Long.parseLong(args[2]), Integer.parseInt(args[3]),
                    Integer.parseInt(args[4]));
            case "checkpoint" -> checkpoint(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            default -> throw new IllegalArgumentException("usage: enqueue|fill|checkpoint ...");
        }
    }

    static void checkpoint(Path folder, int entities, int bytes) throws Exception {
        Random r = new Random(7);
        long t0 = System.nanoTime();
        try (MapDbReplicaStore store = MapDbReplicaStore.open(StoreSettings.defaults(folder), STORE_KEY)) {
            store.append(List.of(new NewEntry("bench|a", 1, payload(r))), Map.of());
            for (int from = 0; from < entities; from += 1000) {
                Map<EntityRef, byte[]> states = new java.util.HashMap<>();
                for (int i = from; i < Math.min(entities, from + 1000); i++) {
                    byte[] b = new byte[bytes];
                    r.nextBytes(b);
                    states.put(new EntityRef("bench", "key-" + i), b);
                }
                store.checkpoint(states, 1);
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf("checkpoint: %,d states of %d B in %.2f s: %,.0f states/s%n", entities, bytes, secs, entities / secs);
        long o0 = System.nanoTime();
        try (MapDbReplicaStore store = MapDbReplicaStore.open(StoreSettings.defaults(folder), STORE_KEY)) {
            double open = (System.nanoTime() - o0) / 1e6;
            long r0 = System.nanoTime();
            long read = 0;
            for (int i = 0; i < entities; i++) {
                read += store.entityState(new EntityRef("bench", "key-" + i)).orElseThrow().length;
            }
            System.out.printf("  re-open: %.0f ms; every state read back: %.0f ms (%,d bytes); disk %,d bytes%n", open,
                    (System.nanoTime() - r0) / 1e6, read, diskSize(folder));
        }
    }

    static byte[] payload(Random r) {
        byte[] b = new byte[PAYLOAD];
        r.nextBytes(b);
        return b;
    }

    static void enqueue(Path folder, int writers, int seconds, boolean shared) throws Exception {
        try (MapDbReplicaStore store = MapDbReplicaStore.open(StoreSettings.defaults(folder), STORE_KEY)) {
            // warm-up: 3 s, not counted
            run(store, writers, 3, "warm-", shared);
            long[] latencies = run(store, writers, seconds, "", shared);
            long appended = latencies.length;
            Arrays.sort(latencies);
            System.out.printf("enqueue: %d writers (%s), %d-byte entries, one entry per call, durable per call%n",
                    writers, shared ? "one shared author" : "one author each", PAYLOAD);
            System.out.printf("  %,d appends in %d s = %,.0f appends/s%n", appended, seconds, appended / (double) seconds);
            System.out.printf("  call latency p50 %.2f ms, p99 %.2f ms, max %.2f ms%n", latencies[(int) (appended * 0.50)] / 1e6,
                    latencies[(int) (appended * 0.99)] / 1e6, latencies[latencies.length - 1] / 1e6);
            System.out.printf("  log head %,d, disk %,d bytes%n", store.head(), diskSize(folder));
        }
    }

    /** Runs the writers for {@code seconds}; returns every call's latency in nanoseconds. */
    private static long[] run(MapDbReplicaStore store, int writers, int seconds, String prefix, boolean shared)
            throws Exception {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        String sharedAuthor = prefix + "device-" + System.nanoTime();
        AtomicLong sharedSeq = new AtomicLong();
        long[][] results = new long[writers][];
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            String author = shared ? sharedAuthor : prefix + "writer-" + w + "-" + System.nanoTime();
            int index = w;
            Thread t = new Thread(() -> {
                Random r = new Random(author.hashCode());
                long[] lat = new long[1 << 16];
                int n = 0;
                long seq = 0;
                try {
                    while (System.nanoTime() < end) {
                        long t0 = System.nanoTime();
                        long next = shared ? sharedSeq.incrementAndGet() : ++seq;
                        store.append(List.of(new NewEntry(author, next, payload(r))), Map.of());
                        if (n == lat.length) {
                            lat = Arrays.copyOf(lat, lat.length * 2);
                        }
                        lat[n++] = System.nanoTime() - t0;
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                results[index] = Arrays.copyOf(lat, n);
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        return Arrays.stream(results).flatMapToLong(Arrays::stream).toArray();
    }

    static void fill(Path folder, long total, int writers, int perCall) throws Exception {
        long t0 = System.nanoTime();
        try (MapDbReplicaStore store = MapDbReplicaStore.open(StoreSettings.defaults(folder), STORE_KEY)) {
            long start = store.head();
            AtomicLong done = new AtomicLong();
            long step = Math.max(total / 10, 1);
            AtomicLong nextReport = new AtomicLong(step);
            System.out.printf("fill: %,d entries of %d bytes, %d writers, %d entries per durable call%n", total, PAYLOAD,
                    writers, perCall);
            System.out.printf("  %12s %10s %12s %14s %16s%n", "entries", "seconds", "entries/s", "heap used MB",
                    "disk bytes");
            List<Thread> threads = new ArrayList<>();
            long[] lastT = {System.nanoTime()};
            long[] lastN = {0};
            for (int w = 0; w < writers; w++) {
                String author = "fill-" + w + "-" + System.nanoTime();
                Thread t = new Thread(() -> {
                    Random r = new Random(author.hashCode());
                    long seq = 0;
                    try {
                        while (true) {
                            long got = done.getAndAdd(perCall);
                            if (got >= total) {
                                return;
                            }
                            int n = (int) Math.min(perCall, total - got);
                            List<NewEntry> call = new ArrayList<>(n);
                            for (int i = 0; i < n; i++) {
                                call.add(new NewEntry(author, ++seq, payload(r)));
                            }
                            store.append(call, Map.of());
                            long finished = got + n;
                            long report = nextReport.get();
                            if (finished >= report && nextReport.compareAndSet(report, report + step)) {
                                synchronized (StoreBench.class) {
                                    long now = System.nanoTime();
                                    double rate = (finished - lastN[0]) / ((now - lastT[0]) / 1e9);
                                    lastN[0] = finished;
                                    lastT[0] = now;
                                    System.out.printf("  %,12d %10.1f %,12.0f %14d %,16d%n", finished,
                                            (now - t0) / 1e9, rate, heapAfterGc() >> 20, diskSize(folder));
                                }
                            }
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                threads.add(t);
                t.start();
            }
            for (Thread t : threads) {
                t.join();
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            System.out.printf("  appended %,d entries in %.1f s (%,.0f entries/s); head %,d%n", store.head() - start, secs,
                    (store.head() - start) / secs, store.head());
        }
        long o0 = System.nanoTime();
        try (MapDbReplicaStore store = MapDbReplicaStore.open(StoreSettings.defaults(folder), STORE_KEY)) {
            System.out.printf("  re-open: %.0f ms; heap used after GC %d MB; disk %,d bytes%n", (System.nanoTime() - o0) / 1e6,
                    heapAfterGc() >> 20, diskSize(folder));
            Random r = new Random(1);
            long head = store.head();
            int gets = 20_000;
            long g0 = System.nanoTime();
            for (int i = 0; i < gets; i++) {
                long pos = (long) (r.nextDouble() * head);
                List<LogEntry> one = store.read(pos, 1, Long.MAX_VALUE);
                if (one.isEmpty() || one.get(0).position() != pos) {
                    throw new IllegalStateException("position " + pos + " missing");
                }
                if (store.get(one.get(0).stream(), one.get(0).seq()).isEmpty()) {
                    throw new IllegalStateException("(author, seq) of " + pos + " missing");
                }
            }
            System.out.printf("  %,d random read(pos)+get(author, seq) pairs: %.1f µs per pair%n", gets,
                    (System.nanoTime() - g0) / 1e3 / gets);
            long s0 = System.nanoTime();
            long n = 0;
            long from = Math.max(0, head - 1_000_000);
            while (from < head) {
                List<LogEntry> page = store.read(from, 10_000, Long.MAX_VALUE);
                n += page.size();
                from = page.get(page.size() - 1).position() + 1;
            }
            System.out.printf("  sequential read of the last %,d entries: %,.0f entries/s%n", n,
                    n / ((System.nanoTime() - s0) / 1e9));
        }
    }

    static long heapAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    static long diskSize(Path folder) {
        try (Stream<Path> files = Files.list(folder)) {
            return files.mapToLong(p -> p.toFile().length()).sum();
        } catch (Exception e) {
            return -1;
        }
    }
}
