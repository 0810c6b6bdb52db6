package io.rhizome.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The fault harness's driver (started by tests/chaos/run.sh inside the hub namespace). Each
 * schedule draws its writes and its fault sequence from one seed; schedule i of a run with
 * --seed S has seed S+i, and --replay SEED runs exactly that schedule on a fresh mesh.
 */
public final class Chaos {
    private final Cluster cluster;
    private final Ledger ledger = new Ledger();
    private final int writesPerNode;
    private final int convergeSeconds;
    /** the soak: n0 is never killed or restarted, so one daemon's samples span the whole run */
    private final boolean soak;
    private long maxRss;
    private final Map<Fault.Kind, Integer> injected = new java.util.EnumMap<>(Fault.Kind.class);

    private Chaos(Cluster cluster, int writesPerNode, int convergeSeconds, boolean soak) {
        this.cluster = cluster;
        this.writesPerNode = writesPerNode;
        this.convergeSeconds = convergeSeconds;
        this.soak = soak;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            o.put(args[i], args[i + 1]);
        }
        int nodes = Integer.parseInt(o.getOrDefault("--nodes", "5"));
        long seed = Long.parseLong(o.getOrDefault("--replay", o.getOrDefault("--seed", "1")));
        int schedules = o.containsKey("--replay") ? 1 : Integer.parseInt(o.getOrDefault("--schedules", "200"));
        Cluster cluster = new Cluster(nodes, o.get("--ns-prefix"), o.get("--ip-prefix"), o.get("--dev-prefix"), Path.of(o.get("--work")),
                Path.of(o.get("--root")), Path.of(o.get("--pids")));
        boolean soak = o.containsKey("--soak");
        if (soak) {
            o.put("--minutes", o.get("--soak"));
        }
        Chaos chaos = new Chaos(cluster, Integer.parseInt(o.getOrDefault("--writes", "40")), Integer.parseInt(o.getOrDefault("--converge", "180")), soak);
        long t0 = System.nanoTime();
        cluster.startAll();
        cluster.pair();
        System.out.printf("mesh: %d daemons paired, namespaces declared in %d s%n", nodes, (System.nanoTime() - t0) / 1_000_000_000L);
        Checker.Verdict last = new Checker.Verdict(0, 0, 0, List.of());
        int done = 0;
        // memory and descriptors sampled through every run; the soak adds the heap after a full GC
        Soak sampler = new Soak(cluster.nodes, Long.parseLong(o.getOrDefault("--sample-seconds", soak ? "30" : "15")) * 1000, soak);
        Thread sampling = new Thread(sampler, "sampler");
        sampling.setDaemon(true);
        sampling.start();
        // --minutes M: start no new schedule after M minutes (a run that must end in time still prints its figures)
        long budget = t0 + Long.parseLong(o.getOrDefault("--minutes", "100000")) * 60_000_000_000L;
        if (soak && !o.containsKey("--replay")) {
            schedules = Integer.MAX_VALUE;
        }
        for (int i = 0; i < schedules && System.nanoTime() < budget; i++) {
            last = chaos.schedule(seed + i, nodes);
            done++;
            if (!last.clean()) {
                break;
            }
        }
        sampler.stop();
        List<String> unbounded = sampler.judge();
        unbounded.forEach(u -> System.out.println("UNBOUNDED: " + u));
        System.out.printf("faults injected: %s%n", chaos.injected);
        System.out.printf("max RSS of a daemon: %d MiB; writes refused: %d, uncertain: %d (of which untold: %d); %d s%n", chaos.maxRss,
                chaos.ledger.refused.get(), chaos.ledger.uncertain.get(), chaos.ledger.untold.get(), (System.nanoTime() - t0) / 1_000_000_000L);
        System.out.printf("schedules=%d acknowledged=%d lost=%d duplicated=%d diverged=%d seed=%d%s%n", done, chaos.ledger.acknowledged.get(),
                last.lost(), last.duplicated(), last.diverged(), seed, unbounded.isEmpty() ? "" : " UNBOUNDED=" + unbounded.size());
        System.exit(last.clean() && unbounded.isEmpty() ? 0 : 1);
    }

    private Checker.Verdict schedule(long seed, int n) throws Exception {
        long t0 = System.nanoTime();
        Random rng = new Random(seed);
        List<Fault> faults = Fault.plan(rng, n, soak);
        String plan = String.join("; ", faults.stream().map(Fault::describe).toList());
        AtomicBoolean stop = new AtomicBoolean();
        List<String> problems = new ArrayList<>();
        List<Thread> writers = new ArrayList<>();
        long acked0 = ledger.acknowledged.get();
        long untold0 = ledger.untold.get();
        // the faults' own time, the 0.5-1.5 s between them and ~15 s per restart: the writers spread their quota over it
        long span = faults.stream().mapToLong(f -> f.millis() + 1_000L + (f.kind().restarts() ? 15_000L : 0)).sum();
        for (Node node : cluster.nodes) {
            Thread t = new Thread(new Writer(node, seed, rng.nextLong(), writesPerNode, span, ledger, stop, problems), "writer-" + node.name());
            t.start();
            writers.add(t);
        }
        String failure = null;
        try {
            for (Fault f : faults) {
                inject(f);
                Thread.sleep(500 + rng.nextInt(1000));
            }
        } catch (Exception e) {
            // a harness error, not a finding about the node: stop the run instead of counting it
            stop.set(true);
            throw new IllegalStateException("schedule seed=" + seed + ": fault injection failed (" + plan + ")", e);
        }
        stop.set(true);
        for (Thread t : writers) {
            t.join(120_000);
            if (t.isAlive()) {
                failure = t.getName() + " still writing 120 s after the faults ended (a hang)";
            }
        }
        String crashed = heal();
        if (crashed != null) {
            failure = crashed;
        }
        long probeDeadline = System.nanoTime() + 90_000_000_000L;
        for (Node node : cluster.nodes) {
            // a node that filled its disk must take writes again by itself, without a restart
            if (!Writer.probe(node, seed, ledger, probeDeadline)) {
                failure = node.name() + " took no write within 90 s after healing (without a restart)";
            }
        }
        Checker.Verdict v = null;
        long healed = System.nanoTime();
        long convergedAt = healed;
        long deadline = System.nanoTime() + convergeSeconds * 1_000_000_000L;
        List<String> names = cluster.nodes.stream().map(Node::name).toList();
        do {
            try {
                List<Map<String, JsonNode>> exports = new ArrayList<>();
                for (Node node : cluster.nodes) {
                    exports.add(Checker.export(node));
                }
                v = Checker.check(ledger, exports, names);
            } catch (java.io.IOException e) {
                v = new Checker.Verdict(0, 0, 1, List.of("a node does not serve its export: " + e));
            }
            if (v.clean()) {
                break;
            }
            Thread.sleep(1000);
            convergedAt = System.nanoTime();
        } while (System.nanoTime() < deadline);
        for (Node node : cluster.nodes) {
            maxRss = Math.max(maxRss, node.rssMegabytes());
            if (!node.alive()) {
                failure = node.name() + " is not running after healing";
            }
        }
        if (ledger.untold.get() > untold0) {
            failure = (ledger.untold.get() - untold0) + " error answers did not say whether their write was stored (see the writes marked UNTOLD)";
        }
        long rssCap = Long.getLong("chaos.rssCapMegabytes", 1500);
        if (maxRss > rssCap) {
            failure = "a daemon's RSS reached " + maxRss + " MiB (cap " + rssCap + " MiB)";
        }
        long secs = (System.nanoTime() - t0) / 1_000_000_000L;
        long convergedSecs = (convergedAt - healed) / 1_000_000_000L;
        if (failure != null && v.clean()) {
            v = new Checker.Verdict(0, 0, 1, List.of(failure));
        }
        if (v.clean()) {
            System.out.printf("schedule seed=%d ok in %d s (converged %d s after healing): %d acknowledged; %s%n", seed, secs, convergedSecs,
                    ledger.acknowledged.get() - acked0, plan);
        } else {
            // the same writes need the same --writes; a soak's schedule spares n0 from restarts, so its replay is a soak's too
            System.out.printf("FAILED schedule seed=%d (replay: tests/chaos/run.sh --nodes %d --writes %d%s --replay %d)%n  faults: %s%n", seed, n,
                    writesPerNode, soak ? " --soak 1" : "", seed, plan);
            v.details().stream().limit(30).forEach(d -> System.out.println("  " + d));
            synchronized (problems) {
                problems.stream().sorted(java.util.Comparator.comparing((String p) -> !p.contains("UNTOLD"))).limit(10).forEach(p -> System.out.println("  write: " + p));
            }
        }
        if (!problems.isEmpty()) {
            System.out.printf("  %d writes not acknowledged in this schedule, e.g. %s%n", problems.size(), problems.get(0));
        }
        return v;
    }

    private void inject(Fault f) throws Exception {
        List<Node> nodes = cluster.nodes;
        Node a = nodes.get(f.group().get(0));
        injected.merge(f.kind(), 1, Integer::sum);
        switch (f.kind()) {
            case ISOLATE -> {
                for (Node x : nodes) {
                    if (x != a) {
                        cluster.net.cut(a, x);
                        cluster.net.cut(x, a);
                    }
                }
                Thread.sleep(f.millis());
                cluster.net.healAll();
            }
            case SPLIT_BRAIN, PARTITION -> {
                for (Node x : nodes) {
                    for (Node y : nodes) {
                        if (f.group().contains(x.index) && !f.group().contains(y.index)) {
                            cluster.net.cut(x, y);
                            cluster.net.cut(y, x);
                        }
                    }
                }
                Thread.sleep(f.millis());
                cluster.net.healAll();
            }
            case ASYMMETRIC -> {
                cluster.net.cut(a, nodes.get(f.group().get(1)));
                Thread.sleep(f.millis());
                cluster.net.healAll();
            }
            case LOSS -> {
                cluster.net.loss(a, f.param());
                Thread.sleep(f.millis());
                cluster.net.healAll();
            }
            case KILL -> {
                a.kill9();
                Thread.sleep(f.millis());
                a.start(a.clockOffsetMillis());
            }
            case PAUSE -> {
                a.pause();
                Thread.sleep(f.millis());
                a.resume();
            }
            case SKEW -> {
                a.kill9();
                a.start(f.param() * 1000L);
                Thread.sleep(f.millis());
            }
            case DISK -> {
                a.fillDisk();
                try {
                    Thread.sleep(f.millis());
                } finally {
                    a.freeDisk();
                }
            }
            case DUPLICATE -> {
                cluster.net.duplicate(a, f.param());
                try {
                    Thread.sleep(f.millis());
                } finally {
                    cluster.net.stopDuplicating();
                }
            }
            case THROTTLE -> {
                cluster.net.throttle(a, f.param());
                try {
                    Thread.sleep(f.millis());
                } finally {
                    cluster.net.unthrottle(a);
                }
            }
        }
    }

    /**
     * Everything back to normal: no drop rules, every process running, every clock right. Returns
     * which node exited by itself (no fault of the harness stops a process without starting it again),
     * or null; such a node is started again so the schedule's other checks can still run.
     */
    private String heal() throws Exception {
        cluster.net.healAll();
        String crashed = null;
        for (Node node : cluster.nodes) {
            if (node.state() == Node.State.PAUSED) {
                node.resume();
            }
            if (!node.alive()) {
                crashed = node.name() + " exited by itself during the schedule (see " + node.home.resolveSibling(node.name() + ".out") + ")";
            }
            if (!node.alive() || node.clockOffsetMillis() != 0) {
                node.kill9();
                node.start(0);
            }
        }
        return crashed;
    }
}
