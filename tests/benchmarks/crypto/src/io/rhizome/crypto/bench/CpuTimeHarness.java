package io.rhizome.crypto.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * A companion to the JMH run for shared or overloaded machines: it runs the same benchmark methods
 * but divides operations by the <em>CPU time</em> of the measuring thread instead of wall-clock
 * time, so the result is the throughput of one core no matter how many other processes compete for
 * it. Each case warms up for 3 CPU-seconds, then reports the median of 5 rounds of at least 1
 * CPU-second each.
 */
public final class CpuTimeHarness {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private CpuTimeHarness() {
    }

    public static void main(String[] args) throws Exception {
        String filter = args.length > 0 ? args[0] : "";
        System.out.printf(Locale.ROOT, "%-44s %16s %14s%n", "case", "ops/CPU-second", "MB/CPU-second");
        for (String combo : new String[] {"bc-xchacha", "bc-aes", "jca-aes"}) {
            for (int size : new int[] {100, 4096, 1 << 20}) {
                AeadBenchmark b = new AeadBenchmark();
                b.combo = combo;
                b.size = size;
                run(filter, "aead seal+open " + combo + " " + size + " B", 1, size, () -> {
                    b.setUp();
                    return b::sealOpen;
                });
            }
        }
        for (String combo : new String[] {"bc-xchacha", "bc-aes", "jca-aes"}) {
            ChangeSetBenchmark b = new ChangeSetBenchmark();
            b.combo = combo;
            run(filter, "change set per-signature " + combo, 1, 0, () -> {
                b.setUp();
                return b::perChangeSet;
            });
            run(filter, "change set batch-of-256 " + combo, ChangeSetBenchmark.BATCH, 0, () -> {
                b.setUp();
                return b::batchOf256;
            });
        }
        for (String provider : new String[] {"bc", "jca"}) {
            SignatureBenchmark b = new SignatureBenchmark();
            b.provider = provider;
            run(filter, "ed25519 sign " + provider, 1, 0, () -> {
                b.setUp();
                return b::sign;
            });
            run(filter, "ed25519 verify " + provider, 1, 0, () -> {
                b.setUp();
                return b::verify;
            });
        }
    }

    private static void run(String filter, String name, int opsPerCall, int bytesPerOp, Callable<Callable<?>> setUp) throws Exception {
        if (!name.contains(filter)) {
            return;
        }
        Callable<?> op = setUp.call();
        measure(op, 3_000_000_000L);
        List<Double> rounds = new ArrayList<>();
        for (int r = 0; r < 5; r++) {
            rounds.add(measure(op, 1_000_000_000L) * opsPerCall);
        }
        double[] sorted = rounds.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double median = sorted[sorted.length / 2];
        System.out.printf(Locale.ROOT, "%-44s %16.0f %14s   rounds %s%n", name, median,
                bytesPerOp == 0 ? "" : String.format(Locale.ROOT, "%.0f", median * bytesPerOp / 1e6),
                Arrays.toString(Arrays.stream(sorted).mapToLong(Math::round).toArray()));
    }

    /** Calls per CPU-second, over at least {@code cpuNanos} of this thread's CPU time. */
    private static double measure(Callable<?> op, long cpuNanos) throws Exception {
        long start = THREADS.getCurrentThreadCpuTime();
        long calls = 0;
        long used;
        Object sink = null;
        do {
            for (int i = 0; i < 16; i++) {
                sink = op.call();
            }
            calls += 16;
            used = THREADS.getCurrentThreadCpuTime() - start;
        } while (used < cpuNanos);
        if (sink == null) {
            throw new IllegalStateException("benchmark returned nothing");
        }
        return calls * 1e9 / used;
    }
}
