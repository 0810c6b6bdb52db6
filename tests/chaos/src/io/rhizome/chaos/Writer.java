package io.rhizome.chaos;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Writes of every built-in CRDT type on one node during one schedule, from that node's own RNG.
 * Every element written is unique ("s{seed}n{node}w{i}"), so its presence or a second copy is exact.
 */
final class Writer implements Runnable {
    /** namespace → CRDT type, declared once on the first node. */
    static final String[][] NAMESPACES = {
            {"c-gc", "g-counter"}, {"c-pn", "pn-counter"}, {"c-gs", "g-set"}, {"c-os", "or-set"},
            {"c-lww", "lww-register"}, {"c-mv", "mv-register"}, {"c-lm", "lww-map"}, {"c-om", "or-map"},
            {"c-li", "list"}, {"c-tx", "text"}};

    private final Node node;
    private final long schedule;
    private final Random rng;
    private final int quota;
    /** mean pause between two writes: the quota spread over the schedule's planned fault time, at least 155 ms */
    private final int gapMillis;
    private final Ledger ledger;
    private final AtomicBoolean stop;
    private final List<String> problems;
    private final List<String> myOrSet = new ArrayList<>();

    Writer(Node node, long schedule, long seed, int quota, long spanMillis, Ledger ledger, AtomicBoolean stop, List<String> problems) {
        this.node = node;
        this.schedule = schedule;
        this.rng = new Random(seed);
        this.quota = quota;
        this.gapMillis = (int) Math.max(155, spanMillis / Math.max(1, quota));
        this.ledger = ledger;
        this.stop = stop;
        this.problems = problems;
    }

    @Override
    public void run() {
        String key = "s" + schedule;
        int w = 0;
        long deadline = System.nanoTime() + 600_000_000_000L;
        while (w < quota && !stop.get() && System.nanoTime() < deadline) {
            int op = rng.nextInt(10);
            int sign = rng.nextBoolean() ? 1 : -1;
            // 0.5 to 1.5 times the mean gap, so the writes go on through every fault of the schedule
            long pauseMillis = gapMillis / 2 + rng.nextInt(gapMillis);
            String el = key + "n" + node.index + "w" + w;
            boolean removeOwn = op == 3 && !myOrSet.isEmpty() && rng.nextInt(3) == 0;
            String removed = removeOwn ? myOrSet.remove(rng.nextInt(myOrSet.size())) : null;
            node.lock.readLock().lock();
            try {
                if (node.state() != Node.State.UP) {
                    // down or paused: this write waits for the node instead of counting as made
                    if (removed != null) {
                        myOrSet.add(removed);
                    }
                    op = -1;
                    pauseMillis = 100;
                } else {
                    w++;
                }
                switch (op) {
                    case -1 -> { }
                    case 0 -> ledger.counter("c-gc/" + key, 1, write("c-gc", key, "{\"op\":\"increment\",\"by\":1}"));
                    case 1 -> ledger.counter("c-pn/" + key, sign, write("c-pn", key, "{\"op\":\"" + (sign > 0 ? "increment" : "decrement") + "\",\"by\":1}"));
                    case 2 -> ledger.element("c-gs/" + key, el, write("c-gs", key, "{\"op\":\"add\",\"value\":\"" + el + "\"}"));
                    case 3 -> {
                        if (removed != null) {
                            Ledger.Outcome o = write("c-os", key, "{\"op\":\"remove\",\"value\":\"" + removed + "\"}");
                            ledger.removed("c-os/" + key, removed, o);
                            if (o == Ledger.Outcome.REFUSED) {
                                myOrSet.add(removed);
                            }
                        } else {
                            Ledger.Outcome o = write("c-os", key, "{\"op\":\"add\",\"value\":\"" + el + "\"}");
                            ledger.element("c-os/" + key, el, o);
                            if (o == Ledger.Outcome.ACKED) {
                                myOrSet.add(el);
                            }
                        }
                    }
                    case 4 -> {
                        if (write("c-lww", key, "{\"op\":\"set\",\"value\":\"" + el + "\"}") != Ledger.Outcome.REFUSED) {
                            ledger.register("c-lww/" + key, el);
                        }
                    }
                    case 5 -> {
                        if (write("c-mv", key, "{\"op\":\"set\",\"value\":\"" + el + "\"}") != Ledger.Outcome.REFUSED) {
                            ledger.register("c-mv/" + key, el);
                        }
                    }
                    case 6 -> ledger.element("c-lm/" + key, el, write("c-lm", key, "{\"op\":\"set\",\"key\":\"" + el + "\",\"value\":" + w + "}"));
                    case 7 -> ledger.counter("c-om/" + key + "#n" + node.index, 1, write("c-om", key,
                            "{\"op\":\"update\",\"key\":\"n" + node.index + "\",\"type\":\"pn-counter\",\"intent\":{\"op\":\"increment\",\"by\":1}}"));
                    case 8 -> ledger.element("c-li/" + key, el, write("c-li", key, "{\"op\":\"insert\",\"index\":0,\"value\":\"" + el + "\"}"));
                    default -> ledger.element("c-tx/" + key, "<" + el + ">", write("c-tx", key, "{\"op\":\"insert\",\"index\":0,\"text\":\"<" + el + ">\"}"));
                }
            } finally {
                node.lock.readLock().unlock();
            }
            try {
                Thread.sleep(pauseMillis);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * One probe write per node after healing: proves the node still takes writes (by itself, after a
     * full disk: retried until {@code deadline}) and that they reach everyone. Setting the same lww-map
     * key again is idempotent, so a retry after an uncertain answer cannot make a second copy.
     */
    static boolean probe(Node node, long schedule, Ledger ledger, long deadline) throws InterruptedException {
        String el = "probe-s" + schedule + "n" + node.index;
        Writer w = new Writer(node, schedule, 0, 0, 0, ledger, new AtomicBoolean(), new ArrayList<>());
        while (true) {
            Ledger.Outcome o = w.write("c-lm", "probes", "{\"op\":\"set\",\"key\":\"" + el + "\",\"value\":1}");
            ledger.element("c-lm/probes", el, o);
            if (o == Ledger.Outcome.ACKED) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(1000);
        }
    }

    private Ledger.Outcome write(String ns, String key, String intent) {
        Ledger.Outcome o;
        String why;
        try {
            Rest.Answer a = node.rest.send("POST", "/v1/ns/" + ns + "/" + key, intent, Duration.ofSeconds(30));
            why = a.status() + " " + a.body();
            // 4xx changes nothing (project rule); a 5xx says itself whether anything was stored
            o = a.ok() ? Ledger.Outcome.ACKED
                    : a.status() < 500 || a.body().contains("nothing") ? Ledger.Outcome.REFUSED : Ledger.Outcome.UNCERTAIN;
            if (o == Ledger.Outcome.UNCERTAIN && !a.body().contains("unknown") && !a.body().contains("may still be stored")) {
                // an error answer that says neither "nothing was stored" nor "unknown": untrue by omission
                ledger.untold.incrementAndGet();
                why = "UNTOLD " + why;
            }
        } catch (IOException e) {
            why = e.toString();
            o = Ledger.Outcome.UNCERTAIN;
        }
        ledger.count(o);
        if (o != Ledger.Outcome.ACKED) {
            synchronized (problems) {
                problems.add(node.name() + " " + ns + "/" + key + " " + o + ": " + why.strip());
            }
        }
        return o;
    }
}
