package io.rhizome.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * Run by run.sh before any daemon starts: the checker must see each kind of defect it claims to
 * count, or a green run would prove nothing. Exits 1 naming the case it missed.
 */
public final class SelfTest {
    public static void main(String[] args) throws Exception {
        Ledger l = new Ledger();
        l.counter("c-gc/s1", 1, Ledger.Outcome.ACKED);
        l.counter("c-gc/s1", 1, Ledger.Outcome.ACKED);
        l.counter("c-om/s1#n0", 1, Ledger.Outcome.ACKED);
        l.element("c-gs/s1", "a", Ledger.Outcome.ACKED);
        l.element("c-os/s1", "b", Ledger.Outcome.ACKED);
        l.removed("c-os/s1", "b", Ledger.Outcome.ACKED);
        l.element("c-li/s1", "c", Ledger.Outcome.ACKED);
        l.element("c-tx/s1", "<d>", Ledger.Outcome.ACKED);
        l.register("c-lww/s1", "e");
        l.element("c-gs/s1", "refused", Ledger.Outcome.REFUSED);
        Map<String, JsonNode> good = Map.of("c-gc/s1", json("2"), "c-om/s1", json("{\"n0\":{\"type\":\"pn-counter\",\"value\":1}}"),
                "c-gs/s1", json("[\"a\"]"), "c-os/s1", json("[]"), "c-li/s1", json("[\"c\"]"), "c-tx/s1", json("\"<d>\""), "c-lww/s1", json("\"e\""));
        expect("a correct mesh", Checker.check(l, List.of(good, good), List.of("n0", "n1")), 0, 0, 0);
        expect("a counter one short", Checker.check(l, List.of(good, with(good, "c-gc/s1", "1")), List.of("n0", "n1")), 1, 0, 1);
        expect("a nested counter one over", Checker.check(l, List.of(with(good, "c-om/s1", "{\"n0\":{\"type\":\"pn-counter\",\"value\":2}}"),
                with(good, "c-om/s1", "{\"n0\":{\"type\":\"pn-counter\",\"value\":2}}")), List.of("n0", "n1")), 0, 1, 0);
        expect("an acknowledged set element missing", Checker.check(l, List.of(with(good, "c-gs/s1", "[]"), good), List.of("n0", "n1")), 1, 0, 1);
        expect("a list element twice", Checker.check(l, List.of(with(good, "c-li/s1", "[\"c\",\"c\"]"), with(good, "c-li/s1", "[\"c\",\"c\"]")),
                List.of("n0", "n1")), 0, 1, 0);
        expect("a text token twice", Checker.check(l, List.of(with(good, "c-tx/s1", "\"<d><d>\""), with(good, "c-tx/s1", "\"<d><d>\"")),
                List.of("n0", "n1")), 0, 1, 0);
        expect("a removed element back", Checker.check(l, List.of(with(good, "c-os/s1", "[\"b\"]"), with(good, "c-os/s1", "[\"b\"]")),
                List.of("n0", "n1")), 0, 0, 1);
        expect("a register value nobody wrote", Checker.check(l, List.of(with(good, "c-lww/s1", "\"x\""), with(good, "c-lww/s1", "\"x\"")),
                List.of("n0", "n1")), 0, 0, 2);
        expect("an element answered 'nothing was stored' present", Checker.check(l, List.of(with(good, "c-gs/s1", "[\"a\",\"refused\"]"),
                with(good, "c-gs/s1", "[\"a\",\"refused\"]")), List.of("n0", "n1")), 0, 0, 1);
        // the soak's bound: a flat series passes, one that keeps growing fails, one over its cap fails
        java.io.PrintStream quiet = new java.io.PrintStream(java.io.OutputStream.nullOutputStream());
        List<Soak.Sample> flat = new java.util.ArrayList<>();
        List<Soak.Sample> growing = new java.util.ArrayList<>();
        List<Soak.Sample> fdLeak = new java.util.ArrayList<>();
        for (int t = 0; t <= 60; t++) {
            flat.add(new Soak.Sample(t * 30_000L, 0, 300 + t % 7, 80 + t % 5, 200 + t % 3));
            growing.add(new Soak.Sample(t * 30_000L, 0, 300 + 8L * t, 80 + 2L * t, 200));
            fdLeak.add(new Soak.Sample(t * 30_000L, 0, 300, 80, 200 + 20L * t));
        }
        soak("a flat soak", Soak.judge(flat, 1, true, quiet), 0);
        soak("RSS growing 8 MiB and the heap 2 MiB a sample", Soak.judge(growing, 1, true, quiet), 2);
        soak("descriptors leaking 20 a sample", Soak.judge(fdLeak, 1, true, quiet), 2);
        System.out.println("checker self-test: 12 cases detected as expected");
    }

    private static void expect(String what, Checker.Verdict v, long lost, long dup, long diverged) {
        if (v.lost() != lost || v.duplicated() != dup || v.diverged() != diverged) {
            System.out.println("checker self-test FAILED for " + what + ": expected lost=" + lost + " duplicated=" + dup + " diverged=" + diverged
                    + ", got " + v);
            System.exit(1);
        }
    }

    private static void soak(String what, List<String> broken, int expected) {
        if (broken.size() != expected) {
            System.out.println("checker self-test FAILED for " + what + ": expected " + expected + " broken bounds, got " + broken);
            System.exit(1);
        }
    }

    private static Map<String, JsonNode> with(Map<String, JsonNode> m, String entity, String value) throws Exception {
        Map<String, JsonNode> copy = new java.util.HashMap<>(m);
        copy.put(entity, json(value));
        return copy;
    }

    private static JsonNode json(String s) throws Exception {
        return Rest.JSON.readTree(s);
    }
}
