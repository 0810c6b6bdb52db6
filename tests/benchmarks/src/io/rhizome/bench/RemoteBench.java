package io.rhizome.bench;

import java.util.ArrayList;
import java.util.List;

import io.rhizome.crdt.internal.TextType;
import io.rhizome.spi.crdt.CrdtDecodeException;
import io.rhizome.spi.crdt.CrdtIntentException;
import io.rhizome.spi.crdt.ReplicaContext;
import io.rhizome.spi.crdt.TextReplica;

/**
 * The remote path of B4, the same three rounds as {@code node/b4-yjs-remote.mjs} (one round per
 * JVM, so that "cold" means a fresh JVM, as a fresh node process does for Yjs):
 *
 * <ul>
 * <li>{@code remote}: the trace's per-patch operations (made by an editor replica, not timed) applied
 * on a second replica, one {@code apply} per operation, as they arrive from a peer.</li>
 * <li>{@code state}: the editor's full state encoded, decoded as a copy, and merged into a diverged
 * replica (one that lacks the trace's last 2,000 operations and made one edit of its own).</li>
 * <li>{@code workload}: two replicas editing the trace's first 60,000 patches (the text grows to
 * 37 KB) in 2,300 turns; after each turn the editor's full state is encoded and merged into the
 * other replica, and on 7 turns in 8 also decoded as a copy (2,012 copies).</li>
 * </ul>
 */
final class RemoteBench {

    static final int DIVERGED_MISSING = 2000;
    static final int WORKLOAD_PATCHES = 60_000;
    static final int TURNS = 2300;
    static final int COPY_SKIP_EVERY = 8;

    private final Trace t;
    private final TextType type = new TextType();

    RemoteBench(Trace t) {
        this.t = t;
    }

    private TextReplica replica(String id) {
        return (TextReplica) type.newReplica(ReplicaContext.of(id));
    }

    private static void edit(TextReplica doc, Trace t, int i, List<byte[]> out) throws CrdtIntentException {
        if (t.deletes()[i] > 0) {
            byte[] op = doc.delete(t.positions()[i], t.deletes()[i]);
            if (out != null) {
                out.add(op);
            }
        }
        if (!t.inserts()[i].isEmpty()) {
            byte[] op = doc.insert(t.positions()[i], t.inserts()[i]);
            if (out != null) {
                out.add(op);
            }
        }
    }

    void run(String round, int warmRuns) throws Exception {
        TextReplica editor = replica("editor");
        List<byte[]> ops = new ArrayList<>();
        for (int i = 0; i < t.size(); i++) {
            edit(editor, t, i, ops);
        }
        switch (round) {
            case "remote" -> remote(ops, warmRuns);
            case "state" -> state(editor, ops, Math.max(warmRuns, 10));
            case "workload" -> workload();
            default -> throw new IllegalArgumentException("unknown round " + round + " (remote, state, workload)");
        }
    }

    private void remote(List<byte[]> ops, int warmRuns) throws CrdtDecodeException {
        double cold = 0, coldCpu = 0;
        List<Double> warm = new ArrayList<>(), warmCpu = new ArrayList<>();
        boolean ok = true;
        for (int run = 0; run <= warmRuns; run++) {
            long c0 = cpu();
            long t0 = now();
            TextReplica remote = replica("remote");
            for (byte[] op : ops) {
                remote.apply(op);
            }
            double ms = (now() - t0) / 1e6;
            double cpuMs = (cpu() - c0) / 1e6;
            ok &= remote.text().equals(t.endContent());
            if (run == 0) {
                cold = ms;
                coldCpu = cpuMs;
            } else {
                warm.add(ms);
                warmCpu.add(cpuMs);
            }
        }
        System.out.println("rhizome remote ok=" + ok + " updates=" + ops.size() + " cold_ms=" + CrdtBench.fmt(cold)
                + " warm_median_ms=" + CrdtBench.fmt(median(warm)) + " cold_cpu_ms=" + CrdtBench.fmt(coldCpu)
                + " warm_cpu_ms=" + CrdtBench.fmt(warmCpu.stream().mapToDouble(Double::doubleValue).average().orElse(0)));
        if (!ok) {
            System.exit(3);
        }
    }

    private void state(TextReplica editor, List<byte[]> ops, int warmRuns) throws Exception {
        TextReplica base = replica("diverged"); // lacks the last operations and made an edit of its own
        for (int i = 0; i < ops.size() - DIVERGED_MISSING; i++) {
            base.apply(ops.get(i));
        }
        base.insert(0, "x");
        byte[] divergedState = base.encodeState();
        List<double[]> warm = new ArrayList<>();
        double[] cold = null;
        int bytes = 0;
        boolean ok = true;
        for (int run = 0; run <= warmRuns; run++) {
            // Untimed: a fresh diverged replica per run, and each copy checked and dropped, so that the
            // collector's work (in the process CPU time) does not grow with replicas kept alive.
            TextReplica diverged = (TextReplica) type.decodeState(ReplicaContext.of("diverged"), divergedState);
            long c0 = cpu();
            long t0 = now();
            byte[] state = editor.encodeState();
            long t1 = now();
            TextReplica copy = (TextReplica) type.decodeState(ReplicaContext.of("copy"), state);
            long t2 = now();
            diverged.merge(state);
            long t3 = now();
            long c1 = cpu();
            ok &= copy.text().equals(t.endContent()) && diverged.length() == t.endContent().length() + 1;
            bytes = state.length;
            double[] r = {(t3 - t0) / 1e6, (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6, (c1 - c0) / 1e6};
            if (run == 0) {
                cold = r;
            } else {
                warm.add(r);
            }
        }
        // The process clock ticks in 10 ms: the mean of the runs' CPU times, whose rounding errors
        // cancel out, is the figure to compare.
        double warmCpuMs = warm.stream().mapToDouble(r -> r[4]).average().orElse(0);
        System.out.println("rhizome state ok=" + ok + " state_bytes=" + bytes + " cold_ms=" + CrdtBench.fmt(cold[0])
                + " warm_median_ms=" + CrdtBench.fmt(median(warm, 0)) + " encode_ms=" + CrdtBench.fmt(median(warm, 1))
                + " decode_ms=" + CrdtBench.fmt(median(warm, 2)) + " merge_ms=" + CrdtBench.fmt(median(warm, 3))
                + " cold_cpu_ms=" + CrdtBench.fmt(cold[4]) + " warm_cpu_ms=" + CrdtBench.fmt(warmCpuMs));
        if (!ok) {
            System.exit(3);
        }
    }

    private void workload() throws Exception {
        TextReplica[] docs = {replica("alice"), replica("bob")};
        int n = Math.min(WORKLOAD_PATCHES, t.size());
        long edit = 0, encode = 0, copy = 0, merge = 0;
        int copies = 0, merges = 0;
        long cpuStart = cpu();
        long start = now();
        for (int k = 0, i = 0; k < TURNS; k++) {
            TextReplica a = docs[k % 2], b = docs[1 - k % 2];
            long t0 = now();
            int end = (int) ((long) (k + 1) * n / TURNS);
            for (; i < end; i++) {
                edit(a, t, i, null);
            }
            long t1 = now();
            byte[] state = a.encodeState();
            long t2 = now();
            if (k % COPY_SKIP_EVERY != 0) {
                CrdtBench.sink += ((TextReplica) type.decodeState(ReplicaContext.of("copy"), state)).length();
                copies++;
            }
            long t3 = now();
            b.merge(state);
            merges++;
            long t4 = now();
            edit += t1 - t0;
            encode += t2 - t1;
            copy += t3 - t2;
            merge += t4 - t3;
        }
        double ms = (now() - start) / 1e6;
        double cpuMs = (cpu() - cpuStart) / 1e6;
        int expected = 0;
        for (int i = 0; i < n; i++) {
            expected += t.inserts()[i].codePointCount(0, t.inserts()[i].length()) - t.deletes()[i];
        }
        boolean ok = docs[0].text().equals(docs[1].text()) && docs[0].length() == expected;
        System.out.println("rhizome workload ok=" + ok + " turns=" + TURNS + " copies=" + copies + " merges=" + merges
                + " length=" + docs[0].length() + " ms=" + CrdtBench.fmt(ms) + " cpu_ms=" + CrdtBench.fmt(cpuMs) + " edit_ms=" + CrdtBench.fmt(edit / 1e6)
                + " encode_ms=" + CrdtBench.fmt(encode / 1e6) + " copy_ms=" + CrdtBench.fmt(copy / 1e6)
                + " merge_ms=" + CrdtBench.fmt(merge / 1e6));
        if (!ok) {
            System.exit(3);
        }
    }

    private static long now() {
        return System.nanoTime();
    }

    /**
     * CPU time of the whole process (every thread: JIT compilers and the collector too), in ns: on
     * a loaded machine wall times mostly measure waiting for a core, so each round also reports
     * this, as the Yjs rounds report node's {@code process.cpuUsage()}.
     */
    static long cpu() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        s.sort(Double::compare);
        return s.isEmpty() ? 0 : s.get(s.size() / 2);
    }

    private static double median(List<double[]> xs, int column) {
        List<Double> s = new ArrayList<>();
        xs.forEach(x -> s.add(x[column]));
        return median(s);
    }
}
