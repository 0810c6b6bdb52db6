import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.rhizome.spi.store.NewEntry;
import io.rhizome.store.postgres.internal.PostgresReplicaStore;
import io.rhizome.store.postgres.internal.PostgresSettings;
import io.rhizome.testsupport.postgres.PostgresServer;

/**
 * Append throughput of the PostgreSQL store: P hub processes (JVMs) on one throwaway PostgreSQL
 * server (fsync and synchronous_commit on, the defaults), each with W writer threads appending
 * change sets of 200 bytes, C per call, for S seconds. Half of each process's streams are shared
 * with the other processes (the same change sets arrive at every hub), so the figure counts change
 * sets stored, once each.
 *
 *   java PgStoreBench run PROCESSES WRITERS PER_CALL SECONDS
 */
public final class PgStoreBench {

    public static void main(String[] args) throws Exception {
        if (args[0].equals("run")) {
            run(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]));
        } else {
            writer(args);
        }
    }

    private static void run(int processes, int writers, int perCall, int seconds) throws Exception {
        try (PostgresServer server = PostgresServer.start()) {
            server.createDatabase("bench");
            Path pw = Files.createTempFile("pgbench", ".pw");
            Files.writeString(pw, server.password());
            PostgresReplicaStore.open(PostgresSettings.of(server.url("bench"), server.user(), server.password())).close();
            List<Process> children = new ArrayList<>();
            Path go = pw.resolveSibling(pw.getFileName() + ".go");
            for (int p = 0; p < processes; p++) {
                children.add(new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                        "-cp", System.getProperty("java.class.path"), "PgStoreBench", "writer", server.url("bench"), server.user(),
                        pw.toString(), Integer.toString(p), Integer.toString(writers), Integer.toString(perCall),
                        Integer.toString(seconds), go.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start());
            }
            List<BufferedReader> outs = new ArrayList<>();
            for (Process c : children) {
                BufferedReader r = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.UTF_8));
                outs.add(r);
                String line = r.readLine();
                if (!"ready".equals(line)) {
                    throw new IllegalStateException("a writer process said " + line);
                }
            }
            Files.createFile(go);
            long appended = 0;
            for (int p = 0; p < processes; p++) {
                String line;
                while ((line = outs.get(p).readLine()) != null) {
                    System.out.println("  process " + p + ": " + line);
                    if (line.startsWith("appended ")) {
                        appended += Long.parseLong(line.split(" ")[1]);
                    }
                }
                if (!children.get(p).waitFor(seconds + 120L, TimeUnit.SECONDS)) {
                    children.get(p).destroyForcibly();
                    throw new IllegalStateException("writer process " + p + " did not finish");
                }
            }
            long stored = Long.parseLong(server.sql("bench", "SELECT count(*) FROM rhizome_log"));
            long dupes = Long.parseLong(server.sql("bench",
                    "SELECT count(*) FROM (SELECT 1 FROM rhizome_log GROUP BY stream, seq HAVING count(*) > 1) d"));
            long bytes = Long.parseLong(server.sql("bench", "SELECT pg_total_relation_size('rhizome_log')"));
            System.out.printf("%d process(es) x %d writers, %d change set(s) per call, %d s: %d stored (%d acknowledged as appended, "
                    + "%d duplicates), %.0f change sets/s; rhizome_log with its indexes %d bytes, %.0f per change set%n", processes,
                    writers, perCall, seconds, stored, appended, dupes, stored / (double) seconds, bytes, bytes / (double) Math.max(1, stored));
            Files.deleteIfExists(pw);
            Files.deleteIfExists(go);
        }
    }

    /** One hub process: W threads; thread t writes stream "own-P-t" and "shared-t" (shared with every process). */
    private static void writer(String[] a) throws Exception {
        String password = Files.readString(Path.of(a[3])).strip();
        int id = Integer.parseInt(a[4]);
        int writers = Integer.parseInt(a[5]);
        int perCall = Integer.parseInt(a[6]);
        int seconds = Integer.parseInt(a[7]);
        Path go = Path.of(a[8]);
        PostgresSettings settings = new PostgresSettings(a[1], a[2], password, Math.max(1, Math.min(64, writers)),
                PostgresSettings.DEFAULT_CONNECT_TIMEOUT);
        PostgresReplicaStore store = PostgresReplicaStore.open(settings);
        System.out.println("ready");
        System.out.flush();
        long wait = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(go) && System.nanoTime() < wait) {
            Thread.sleep(5);
        }
        byte[] payload = new byte[200];
        AtomicLong appended = new AtomicLong();
        ConcurrentLinkedQueue<long[]> latencies = new ConcurrentLinkedQueue<>();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        CountDownLatch done = new CountDownLatch(writers);
        for (int t = 0; t < writers; t++) {
            String own = "own-" + id + "-" + t;
            String shared = "shared-" + t;
            Thread th = new Thread(() -> {
                long[] lat = new long[1 << 20];
                int n = 0;
                try {
                    long seq = 1;
                    while (System.nanoTime() < end) {
                        List<NewEntry> batch = new ArrayList<>(perCall);
                        for (int i = 0; i < perCall; i += 2) {
                            batch.add(new NewEntry(own, seq, payload));
                            if (i + 1 < perCall) {
                                batch.add(new NewEntry(shared, seq, payload));
                            }
                            seq++;
                        }
                        long t0 = System.nanoTime();
                        appended.addAndGet(store.append(batch, Map.of()).size());
                        if (n < lat.length) {
                            lat[n++] = System.nanoTime() - t0;
                        }
                    }
                } catch (Exception e) {
                    System.out.println("error " + e.getMessage());
                } finally {
                    latencies.add(Arrays.copyOf(lat, n));
                    done.countDown();
                }
            });
            th.start();
        }
        done.await();
        long[] all = latencies.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        double p50 = all.length == 0 ? 0 : all[all.length / 2] / 1e6;
        double p99 = all.length == 0 ? 0 : all[(int) (all.length * 0.99)] / 1e6;
        System.out.printf("appended %d in %d calls, p50 %.1f ms, p99 %.1f ms per call%n", appended.get(), all.length, p50, p99);
        store.close();
    }
}
