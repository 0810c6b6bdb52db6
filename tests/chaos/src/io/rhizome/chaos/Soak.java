package io.rhizome.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToLongFunction;

/**
 * Samples every daemon's resident memory, Java heap after a full GC (optional: it costs a GC and two
 * jcmd calls per node) and open file descriptors at a fixed interval while schedules run, and judges
 * whether any of them grows without bound.
 *
 * <p>The bound, per node and per measure: samples of the warm-up (the first sixth of the run, at
 * least 2 minutes) are left out; the rest is cut into thirds by time; the largest sample of the last
 * third may exceed the largest of the first third by at most {@link Measure#ratio} times it plus
 * {@link Measure#slack} (growth that stops is allowed, growth that goes on is not). Every sample, the
 * warm-up's too, stays under the measure's absolute cap. The growth rule is applied only when the
 * judged span (after warm-up) is at least 6 minutes; shorter runs are held to the caps alone.
 */
final class Soak implements Runnable {
    record Sample(long atMillis, int node, long rss, long heap, long fds) {
    }

    enum Measure {
        RSS("RSS", "MiB", 1.25, 64, Long.getLong("chaos.rssCapMegabytes", 1500), Sample::rss),
        HEAP("heap after GC", "MiB", 1.25, 32, Long.getLong("chaos.heapCapMegabytes", 288), Sample::heap),
        FDS("open FDs", "", 1.25, 40, Long.getLong("chaos.fdCap", 1024), Sample::fds);

        final String label;
        final String unit;
        final double ratio;
        final long slack;
        final long cap;
        final ToLongFunction<Sample> get;

        Measure(String label, String unit, double ratio, long slack, long cap, ToLongFunction<Sample> get) {
            this.label = label;
            this.unit = unit;
            this.ratio = ratio;
            this.slack = slack;
            this.cap = cap;
            this.get = get;
        }
    }

    private final List<Node> nodes;
    private final long intervalMillis;
    private final boolean heap;
    private final long t0 = System.currentTimeMillis();
    private final List<Sample> samples = new ArrayList<>();
    private volatile boolean stop;

    Soak(List<Node> nodes, long intervalMillis, boolean heap) {
        this.nodes = nodes;
        this.intervalMillis = intervalMillis;
        this.heap = heap;
    }

    @Override
    public void run() {
        while (!stop) {
            for (Node n : nodes) {
                if (n.state() == Node.State.UP) {
                    long rss = n.rssMegabytes();
                    long fds = n.fdCount();
                    long h = heap ? n.heapAfterGcMegabytes() : -1;
                    if (rss >= 0 && fds >= 0) {
                        synchronized (samples) {
                            samples.add(new Sample(System.currentTimeMillis() - t0, n.index, rss, h, fds));
                        }
                    }
                }
            }
            try {
                Thread.sleep(intervalMillis);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    void stop() {
        stop = true;
    }

    /** Prints the summary of the samples and returns what broke the bound (empty: nothing). */
    List<String> judge() {
        List<Sample> all;
        synchronized (samples) {
            all = new ArrayList<>(samples);
        }
        return judge(all, nodes.size(), heap, System.out);
    }

    static List<String> judge(List<Sample> all, int nodeCount, boolean heap, java.io.PrintStream out) {
        List<String> broken = new ArrayList<>();
        long end = all.stream().mapToLong(Sample::atMillis).max().orElse(0);
        long warmup = Math.max(120_000, end / 6);
        long third = (end - warmup) / 3;
        boolean growthJudged = end - warmup >= 360_000;
        out.printf(Locale.ROOT, "samples: %d over %d s (warm-up %d s; growth %s)%n", all.size(), end / 1000, warmup / 1000,
                growthJudged ? "judged: last third's max ≤ first third's max × ratio + slack" : "not judged, the run is too short: caps only");
        for (Measure m : Measure.values()) {
            if (m == Measure.HEAP && !heap) {
                continue;
            }
            for (int node = 0; node < nodeCount; node++) {
                final int n = node;
                List<Sample> mine = all.stream().filter(s -> s.node() == n && m.get.applyAsLong(s) >= 0).toList();
                long max = mine.stream().mapToLong(m.get).max().orElse(-1);
                long firstMax = mine.stream().filter(s -> s.atMillis() >= warmup && s.atMillis() < warmup + third).mapToLong(m.get).max().orElse(-1);
                long lastMax = mine.stream().filter(s -> s.atMillis() >= end - third).mapToLong(m.get).max().orElse(-1);
                long allowed = (long) Math.ceil(firstMax * m.ratio) + m.slack;
                out.printf(Locale.ROOT, "  n%d %s: %d samples, min %d, max %d%s; first third max %d, last third max %d (allowed %d, cap %d)%n", n, m.label,
                        mine.size(), mine.stream().mapToLong(m.get).min().orElse(-1), max, m.unit.isEmpty() ? "" : " " + m.unit, firstMax, lastMax,
                        allowed, m.cap);
                if (max > m.cap) {
                    broken.add("n" + n + " " + m.label + " reached " + max + " " + m.unit + " (cap " + m.cap + ")");
                }
                if (growthJudged && firstMax >= 0 && lastMax > allowed) {
                    broken.add("n" + n + " " + m.label + " grew from " + firstMax + " to " + lastMax + " " + m.unit + " (allowed " + allowed + ")");
                }
            }
        }
        return broken;
    }
}
