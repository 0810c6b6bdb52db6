package io.rhizome.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rhizome.api.clock.HybridLogicalClock;
import io.rhizome.crdt.internal.LwwMapType;
import io.rhizome.crdt.internal.PnCounterType;
import io.rhizome.crdt.internal.TextType;
import io.rhizome.spi.crdt.CrdtIntentException;
import io.rhizome.spi.crdt.CrdtReplica;
import io.rhizome.spi.crdt.ReplicaContext;
import io.rhizome.spi.crdt.TextReplica;

/**
 * The Rhizome side of the CRDT benchmarks (a plain harness, run by {@code tests/benchmarks/bench.sh}):
 *
 * <ul>
 * <li>{@code b4 <trace.json.gz>}: the crdt-benchmarks "B4" method: every patch of the trace applied
 * to a {@code text} replica as its own operation (apply locally and encode the operation), then the
 * final state encoded. Cold (first run in a fresh JVM, what the summary line reports) and warm
 * (median of further runs) times, encoded size, retained heap.</li>
 * <li>{@code b4x100 <trace>}: the trace applied 100 times to one document (26 M operations), meant to
 * run with {@code -Xmx1g}.</li>
 * <li>{@code remote}, {@code state}, {@code workload} {@code <trace>}: the remote path, see
 * {@link RemoteBench}.</li>
 * <li>{@code ops}: local operations per second on one thread for {@code pn-counter} and
 * {@code lww-map}, through {@link CrdtReplica#mutate} with JSON intents.</li>
 * </ul>
 *
 * Output lines are {@code key=value} pairs so that bench.sh can pick them up.
 */
public final class CrdtBench {

    static long sink;

    public static void main(String[] args) throws Exception {
        Locale.setDefault(Locale.ROOT);
        switch (args[0]) {
            case "b4" -> b4(Trace.load(Path.of(args[1])), args.length > 2 ? Integer.parseInt(args[2]) : 5);
            case "b4x100" -> b4x100(Trace.load(Path.of(args[1])), args.length > 2 ? Integer.parseInt(args[2]) : 100);
            case "ops" -> ops();
            case "remote", "state", "workload" ->
                    new RemoteBench(Trace.load(Path.of(args[1]))).run(args[0], args.length > 2 ? Integer.parseInt(args[2]) : 3);
            case "verify" -> {
                for (int i = 1; i < args.length; i++) {
                    Trace t = Trace.load(Path.of(args[i]));
                    Result r = replay(t, 1);
                    System.out.println("verify " + t.name() + " ok=" + r.ok + " patches=" + t.size() + " ms=" + fmt(r.ms));
                }
            }
            default -> throw new IllegalArgumentException("unknown benchmark " + args[0]);
        }
        if (sink == 42) {
            System.out.println();
        }
    }

    record Result(double ms, double encodeMs, int encoded, boolean ok, TextReplica doc) {
    }

    static Result replay(Trace t, int times) throws CrdtIntentException {
        TextReplica doc = (TextReplica) new TextType().newReplica(ReplicaContext.of("rhizome-bench"));
        long t0 = System.nanoTime();
        long bytes = 0;
        int[] pos = t.positions();
        int[] del = t.deletes();
        String[] ins = t.inserts();
        for (int k = 0; k < times; k++) {
            for (int i = 0; i < pos.length; i++) {
                if (del[i] > 0) {
                    bytes += doc.delete(pos[i], del[i]).length;
                }
                if (!ins[i].isEmpty()) {
                    bytes += doc.insert(pos[i], ins[i]).length;
                }
            }
        }
        long t1 = System.nanoTime();
        byte[] state = doc.encodeState();
        long t2 = System.nanoTime();
        sink += bytes;
        boolean ok = times != 1 || doc.text().equals(t.endContent());
        return new Result((t2 - t0) / 1e6, (t2 - t1) / 1e6, state.length, ok, doc);
    }

    static void b4(Trace t, int warmRuns) throws Exception {
        resetPeaks();
        Result cold = replay(t, 1);
        long peak = peakHeap();
        long retained = retained(cold.doc);
        int runs = ((io.rhizome.crdt.internal.seq.SeqReplica) cold.doc).runs();
        List<Double> warm = new ArrayList<>();
        for (int i = 0; i < warmRuns; i++) {
            warm.add(replay(t, 1).ms);
        }
        warm.sort(Double::compare);
        double median = warm.isEmpty() ? cold.ms : warm.get(warm.size() / 2);
        System.out.println("rhizome b4 ok=" + cold.ok + " patches=" + t.size() + " cold_ms=" + fmt(cold.ms)
                + " warm_median_ms=" + fmt(median) + " encode_ms=" + fmt(cold.encodeMs) + " encoded_bytes=" + cold.encoded
                + " runs=" + runs + " retained_heap_mb=" + fmt(retained / 1048576.0)
                + " peak_heap_mb=" + fmt(peak / 1048576.0));
        if (!cold.ok) {
            System.exit(3);
        }
    }

    static void b4x100(Trace t, int times) throws Exception {
        Result r = replay(t, times);
        long retained = retained(r.doc);
        System.out.println("rhizome b4x" + times + " ops=" + ((long) t.size() * times) + " ms=" + fmt(r.ms)
                + " length=" + r.doc.length() + " encoded_bytes=" + r.encoded + " retained_heap_mb=" + fmt(retained / 1048576.0)
                + " max_heap_mb=" + fmt(Runtime.getRuntime().maxMemory() / 1048576.0));
    }

    static void ops() throws Exception {
        HybridLogicalClock clock = new HybridLogicalClock(System::currentTimeMillis, 60_000);
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode inc = f.objectNode().put("op", "increment").put("by", 1);
        ObjectNode dec = f.objectNode().put("op", "decrement").put("by", 1);
        ObjectNode[] sets = new ObjectNode[1024];
        for (int i = 0; i < sets.length; i++) {
            sets[i] = f.objectNode().put("op", "set").put("key", "key-" + i).put("value", i);
        }
        for (int round = 0; round < 2; round++) {
            CrdtReplica counter = new PnCounterType().newReplica(ReplicaContext.of("rhizome-bench"));
            double counterOps = rate(2_000_000, i -> counter.mutate((i & 3) == 3 ? dec : inc, clock.now()));
            CrdtReplica map = new LwwMapType().newReplica(ReplicaContext.of("rhizome-bench"));
            double mapOps = rate(2_000_000, i -> map.mutate(sets[i & 1023], clock.now()));
            if (round == 1) {
                System.out.println("rhizome ops pn_counter_ops_per_s=" + (long) counterOps + " lww_map_ops_per_s=" + (long) mapOps
                        + " counter_value=" + counter.value() + " map_keys=" + map.value().size());
            }
        }
    }

    interface Op {
        void run(int i) throws Exception;
    }

    static double rate(int n, Op op) throws Exception {
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            op.run(i);
        }
        return n / ((System.nanoTime() - t0) / 1e9);
    }

    static void resetPeaks() {
        System.gc();
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            p.resetPeakUsage();
        }
    }

    static long peakHeap() {
        long sum = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) {
                sum += p.getPeakUsage().getUsed();
            }
        }
        return sum;
    }

    /** Heap still in use with {@code keep} reachable, after full collections. */
    static long retained(Object keep) {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        long used = rt.totalMemory() - rt.freeMemory();
        sink += keep.hashCode();
        return used;
    }

    static String fmt(double v) {
        return String.format("%.1f", v);
    }


}
