package io.rhizome.bench.engine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.node.IntNode;

import io.rhizome.api.ChangeEvent;
import io.rhizome.api.SyncService;
import io.rhizome.core.internal.engine.ChangeSetSealer;
import io.rhizome.core.internal.engine.NamespaceCatalog;
import io.rhizome.core.internal.engine.SyncEngine;
import io.rhizome.core.internal.service.Node;
import io.rhizome.crdt.internal.GCounterType;
import io.rhizome.crdt.internal.LwwRegisterType;
import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.namespace.NamespaceDefinition;
import io.rhizome.spi.namespace.SyncScope;
import io.rhizome.spi.policy.SyncPolicy;
import io.rhizome.spi.store.ReplicaStore;
import io.rhizome.conformance.MemoryReplicaStore;
import io.rhizome.transport.memory.MemoryNetwork;
import io.rhizome.transport.memory.MemoryTransport;

/**
 * The sync engine benchmarks (issue 4), a plain harness outside OSGi: real engines, orchestrators
 * and sessions wired like the DS component wires them, joined by the in-memory transport.
 *
 * <ul>
 * <li>{@code sync}: N change sets written on node A while nobody is connected; then B connects
 * and the time from the connect call until B's versions equal A's is measured (target: 1,000,000
 * in ≤ 10 s).</li>
 * <li>{@code enqueue}: N single-write transactions from T threads on one node (each returns only
 * once durable, so the rate is the group-commit rate of the store; target ≥ 50,000/s).</li>
 * <li>{@code latency}: on two connected nodes, one write at a time on A, timed until B's change
 * listener reports it; p50/p99 over N writes after a warm-up.</li>
 * <li>{@code policy} (only when asked for): {@code sync} R times each with an allow-all policy and
 * with the enterprise policy's rules, alternating in one run: the cost of enforcement.</li>
 * </ul>
 *
 * <p>The store is pluggable: {@code --store memory} (the test-support in-memory store, the
 * default) or {@code --store class:<FQCN>} with {@code --store-dir DIR}: the class is instantiated ({@link BenchStores})
 * per node with, in this order of preference, a public static {@code open(Path)}, a public static
 * {@code open(SETTINGS, byte[] key)} whose SETTINGS type has a static {@code defaults(Path)} (a store
 * sealed at rest, such as the MapDB store: a random 32-byte key per node), a public constructor
 * {@code (Path)}, or a public no-argument constructor; each node gets its own
 * subdirectory. Put the store's jars on the classpath with {@code BENCH_EXTRA_CP}.
 */
public final class EngineBench {

    private final Map<String, String> options;
    private final List<Node> nodes = new ArrayList<>();
    private final List<AutoCloseable> stores = new ArrayList<>();
    private final Map<String, CrdtType> types = new HashMap<>();

    private EngineBench(Map<String, String> options) {
        this.options = options;
        for (CrdtType t : List.of(new LwwRegisterType(), new GCounterType())) {
            types.put(t.name(), t);
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = parse(args);
        if (options.containsKey("help")) {
            System.out.println("usage: run.sh [--only sync|enqueue|latency|policy] [--rounds R] [--events N] [--enqueue-writes N] [--threads T]\n"
                    + "              [--latency-writes N] [--store memory|class:FQCN] [--store-dir DIR]");
            return;
        }
        String only = options.getOrDefault("only", "all");
        EngineBench bench = new EngineBench(options);
        System.out.printf(Locale.ROOT, "# engine benchmarks: java %s, %d cores, max heap %d MiB, store %s, load average before: %s%n",
                System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20,
                options.getOrDefault("store", "memory"), loadAverage());
        if (only.equals("all") || only.equals("sync")) {
            bench.run(bench::sync);
        }
        if (only.equals("all") || only.equals("enqueue")) {
            bench.run(bench::enqueue);
        }
        if (only.equals("all") || only.equals("latency")) {
            bench.run(bench::latency);
        }
        if (only.equals("policy")) {
            // The cost of enforcement: the same sync, alternating the receiving policy, in one run.
            int rounds = Integer.parseInt(options.getOrDefault("rounds", "3"));
            for (int r = 1; r <= rounds; r++) {
                for (String mode : List.of("allow", "enterprise")) {
                    bench.policyMode = mode;
                    System.out.printf(Locale.ROOT, "policy %s, round %d:%n", mode, r);
                    bench.run(bench::sync);
                }
            }
        }
    }

    /** The 1-minute load average (other processes compete for the cores), or "n/a". */
    private static String loadAverage() {
        double l = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        return l < 0 ? "n/a" : String.format(Locale.ROOT, "%.1f", l);
    }

    /** CPU time this process has used, in seconds: with other processes on the machine, wall time alone misleads. */
    private static double cpuSeconds() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime() / 1e9;
        }
        return Double.NaN;
    }

    /** CPU seconds per live thread, keyed by name (numbered pool threads summed under their prefix). */
    private static Map<String, Double> cpuByThread() {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        Map<String, Double> out = new HashMap<>();
        for (java.lang.management.ThreadInfo info : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (info == null) {
                continue;
            }
            long ns = mx.getThreadCpuTime(info.getThreadId());
            if (ns < 0) {
                continue;
            }
            String name = info.getThreadName().startsWith("rhizome-sync") ? "rhizome-sync" : info.getThreadName();
            out.merge(name, ns / 1e9, Double::sum);
        }
        return out;
    }

    private interface Measurement {
        void run() throws Exception;
    }

    private void run(Measurement m) throws Exception {
        try {
            m.run();
        } finally {
            for (Node n : nodes) {
                n.close();
            }
            nodes.clear();
            for (AutoCloseable s : stores) {
                s.close();
            }
            stores.clear();
            System.gc();
        }
    }

    // ------------------------------------------------------------------ measurements

    /** (a) N change sets from one engine to another over the in-memory transport. */
    private void sync() throws Exception {
        long events = Long.parseLong(options.getOrDefault("events", "1000000"));
        MemoryNetwork network = new MemoryNetwork();
        Node a = node("A", network);
        Node b = node("B", network);
        SyncService sa = a.service();
        int threads = Integer.parseInt(options.getOrDefault("threads", "16"));
        long t0 = System.nanoTime();
        parallel(threads, events, i -> sa.put("reg", "k" + (i % 10_000), IntNode.valueOf((int) i)));
        double writeSeconds = (System.nanoTime() - t0) / 1e9;
        Map<String, Long> target = a.engine().versions();
        long total = target.values().stream().mapToLong(Long::longValue).sum();
        if (total != events) {
            throw new IllegalStateException("A holds " + total + " change sets, expected " + events);
        }

        double cpu0 = cpuSeconds();
        Map<String, Double> threads0 = cpuByThread();
        long start = System.nanoTime();
        String id = b.orchestrator().connect(MemoryNetwork.KIND, MemoryNetwork.address("A")).toCompletableFuture().get(60, TimeUnit.SECONDS);
        if (!id.equals("A")) {
            throw new IllegalStateException("connected to " + id);
        }
        long deadline = start + TimeUnit.SECONDS.toNanos(600);
        while (!b.engine().versions().equals(target)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("B did not catch up within 600 s: " + b.engine().versions() + " vs " + target);
            }
            Thread.sleep(1);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double cpu = cpuSeconds() - cpu0;
        Map<String, Double> threads1 = cpuByThread();
        double engineB = threads1.getOrDefault("rhizome-engine-B", 0.0) - threads0.getOrDefault("rhizome-engine-B", 0.0);
        double engineA = threads1.getOrDefault("rhizome-engine-A", 0.0) - threads0.getOrDefault("rhizome-engine-A", 0.0);
        double sessions = threads1.getOrDefault("rhizome-sync", 0.0) - threads0.getOrDefault("rhizome-sync", 0.0);
        System.out.printf(Locale.ROOT, "sync CPU by thread: receiving engine thread %.2f s, sending engine thread %.2f s, session threads %.2f s%n",
                engineB, engineA, sessions);
        if (options.containsKey("thread-detail")) {
            threads1.entrySet().stream().map(e -> Map.entry(e.getKey(), e.getValue() - threads0.getOrDefault(e.getKey(), 0.0)))
                    .filter(e -> e.getValue() > 0.05).sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                    .forEach(e -> System.out.printf(Locale.ROOT, "  %-40s %.2f s%n", e.getKey(), e.getValue()));
        }
        for (int k = 0; k < 10_000; k += 997) {
            if (!a.service().get("reg", "k" + k).equals(b.service().get("reg", "k" + k))) {
                throw new IllegalStateException("values differ at k" + k);
            }
        }
        System.out.printf(Locale.ROOT, "sync: %,d change sets A -> B over the memory transport in %.2f s (%,.0f/s) [target <= 10 s for 1,000,000: %s]"
                + " (process CPU %.1f s; writing them took %.2f s; load %s)%n", events, seconds,
                events / seconds, events == 1_000_000 ? (seconds <= 10 ? "met" : "MISSED") : "n/a", cpu, writeSeconds, loadAverage());
    }

    /** (b) Durable enqueue rate with group commit, many writer threads. */
    private void enqueue() throws Exception {
        long writes = Long.parseLong(options.getOrDefault("enqueue-writes", "1000000"));
        int threads = Integer.parseInt(options.getOrDefault("threads", "16"));
        Node a = node("A", new MemoryNetwork());
        SyncService s = a.service();
        // Warm-up: JIT, replica creation for every key.
        parallel(threads, 50_000, i -> s.put("reg", "k" + (i % 10_000), IntNode.valueOf((int) i)));
        long before = a.engine().localChangeSetCount();
        double cpu0 = cpuSeconds();
        long start = System.nanoTime();
        parallel(threads, writes, i -> s.put("reg", "k" + (i % 10_000), IntNode.valueOf((int) i)));
        double seconds = (System.nanoTime() - start) / 1e9;
        double cpu = cpuSeconds() - cpu0;
        long done = a.engine().localChangeSetCount() - before;
        if (done != writes) {
            throw new IllegalStateException(done + " change sets written, expected " + writes);
        }
        double rate = writes / seconds;
        System.out.printf(Locale.ROOT, "enqueue: %,d durable writes from %d threads in %.2f s = %,.0f/s, store %s [target >= 50,000/s: %s] (process CPU %.1f s;"
                + " load %s)%n", writes, threads, seconds, rate, a.engine().storeLocation(), rate >= 50_000 ? "met" : "MISSED", cpu, loadAverage());
    }

    /** (c) Single write on A → B's change listener, one at a time. */
    private void latency() throws Exception {
        int count = Integer.parseInt(options.getOrDefault("latency-writes", "10000"));
        int warmup = Math.min(2000, count);
        MemoryNetwork network = new MemoryNetwork();
        Node a = node("A", network);
        Node b = node("B", network);
        b.orchestrator().connect(MemoryNetwork.KIND, MemoryNetwork.address("A")).toCompletableFuture().get(60, TimeUnit.SECONDS);
        LinkedBlockingQueue<Long> seen = new LinkedBlockingQueue<>();
        try (AutoCloseable l = b.service().addChangeListener("lat", (ChangeEvent e) -> {
            if (e.origin() == ChangeEvent.Origin.REMOTE) {
                seen.add(System.nanoTime());
            }
        })) {
            // Wait until the session is open both ways (a first write goes through).
            long[] lat = new long[count];
            for (int i = -warmup; i < count; i++) {
                long t0 = System.nanoTime();
                a.service().put("lat", "k", IntNode.valueOf(i));
                Long t1 = seen.poll(30, TimeUnit.SECONDS);
                if (t1 == null) {
                    throw new IllegalStateException("write " + i + " did not reach B's listener within 30 s");
                }
                if (i >= 0) {
                    lat[i] = t1 - t0;
                }
            }
            Arrays.sort(lat);
            System.out.printf(Locale.ROOT, "latency: write on A -> B's change listener over the memory transport, %,d writes: p50 %.3f ms, p99 %.3f ms,"
                    + " max %.3f ms (load %s)%n", count, lat[count / 2] / 1e6, lat[(int) Math.ceil(count * 0.99) - 1] / 1e6, lat[count - 1] / 1e6,
                    loadAverage());
        }
    }

    // ------------------------------------------------------------------ wiring

    private Node node(String deviceId, MemoryNetwork network) throws Exception {
        ReplicaStore store = store(deviceId);
        NamespaceCatalog catalog = new NamespaceCatalog();
        catalog.defaults(new NamespaceCatalog.Defaults(true, "lww-register", SyncScope.FULL));
        catalog.putSource("bench", 0, List.of(NamespaceDefinition.of("reg", "lww-register"), NamespaceDefinition.of("lat", "lww-register"),
                NamespaceDefinition.of("gc", "g-counter")));
        SyncPolicy policy = policy(deviceId);
        Node n = new Node(new Node.Parts(deviceId, store, name -> Optional.ofNullable(types.get(name)), catalog, () -> ChangeSetSealer.PLAIN,
                () -> Optional.of(policy), 300_000, SyncEngine.Config.DEFAULT)).start();
        MemoryTransport t = network.endpoint(deviceId);
        n.orchestrator().addTransport(t);
        nodes.add(n);
        return n;
    }

    /** The policy under measurement: {@code --policy allow} (the default) or {@code enterprise}. */
    private volatile String policyMode = "allow";

    /**
     * {@code allow}: every peer, every namespace (what the personal policy answers for a trusted
     * device). {@code enterprise}: the enterprise policy's rules on an organisation in which A is a
     * member of team eng with an ACL entry {@code * team:eng write} and B an admin, so every
     * decision walks the ACL as for an ordinary member.
     */
    private SyncPolicy policy(String deviceId) {
        if (policyMode.equals("enterprise")) {
            io.rhizome.policy.enterprise.internal.statement.Organisation org = new io.rhizome.policy.enterprise.internal.statement.Organisation(
                    "org", "acme",
                    Map.of("alice", new io.rhizome.policy.enterprise.internal.statement.Organisation.Member("alice",
                            io.rhizome.policy.enterprise.internal.statement.Role.MEMBER, List.of("ops", "eng"), "s1"),
                            "bob", new io.rhizome.policy.enterprise.internal.statement.Organisation.Member("bob",
                                    io.rhizome.policy.enterprise.internal.statement.Role.ADMIN, List.of(), "s2")),
                    Map.of("A", "alice", "B", "bob"),
                    List.of(new io.rhizome.policy.enterprise.internal.statement.Organisation.AclEntry("acme.hr.*", "team:hr", true, "s3"),
                            new io.rhizome.policy.enterprise.internal.statement.Organisation.AclEntry("*", "team:eng", true, "s4")));
            Optional<io.rhizome.policy.enterprise.internal.statement.Organisation> o = Optional.of(org);
            return new io.rhizome.policy.enterprise.internal.EnterpriseRules(() -> o, d -> true, true, r -> { }, System::currentTimeMillis);
        }
        SyncPolicy allowAll = new SyncPolicy() {
            @Override
            public Decision canSend(String peerId, String namespace) {
                return Decision.ALLOW;
            }

            @Override
            public Decision canReceive(String peerId, String namespace, String author) {
                return Decision.ALLOW;
            }
        };
        return allowAll;
    }

    private ReplicaStore store(String deviceId) throws Exception {
        String spec = options.getOrDefault("store", "memory");
        if (spec.equals("memory")) {
            return new MemoryReplicaStore();
        }
        Path dir = Path.of(options.getOrDefault("store-dir", Files.createTempDirectory("rhizome-bench").toString())).resolve(deviceId + "-"
                + System.nanoTime());
        ReplicaStore store = BenchStores.open(spec, dir);
        if (store instanceof AutoCloseable ac) {
            stores.add(ac);
        }
        System.out.println("# store " + store.getClass().getName() + " at " + dir);
        return store;
    }

    private interface IndexedTask {
        void run(long i) throws Exception;
    }

    /** Runs task(0..count-1) split over threads; fails on the first failure. */
    private static void parallel(int threads, long count, IndexedTask task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        AtomicLong next = new AtomicLong();
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            fs.add(pool.submit(() -> {
                go.await();
                for (long i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                    task.run(i);
                }
                return null;
            }));
        }
        go.countDown();
        try {
            for (Future<?> f : fs) {
                f.get(30, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> o = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + a + "' (options are --name value)");
            }
            String name = a.substring(2);
            if (name.equals("help")) {
                o.put("help", "");
                continue;
            }
            int eq = name.indexOf('=');
            if (eq >= 0) {
                o.put(name.substring(0, eq), name.substring(eq + 1));
            } else if (i + 1 < args.length) {
                o.put(name, args[++i]);
            } else {
                throw new IllegalArgumentException("option --" + name + " needs a value");
            }
        }
        return o;
    }
}
