package io.rhizome.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** One fault of a schedule: what, on which nodes, for how long. Drawn from the schedule's RNG only. */
record Fault(Kind kind, List<Integer> group, int param, long millis) {
    enum Kind {
        ISOLATE, SPLIT_BRAIN, PARTITION, ASYMMETRIC, LOSS, KILL, PAUSE, SKEW, DISK, DUPLICATE, THROTTLE;

        /** Faults that end the node's process: a soak keeps n0 out of them, so one daemon runs from start to end. */
        boolean restarts() {
            return this == KILL || this == SKEW;
        }
    }

    String describe() {
        return switch (kind) {
            case ISOLATE -> "isolate n" + group.get(0) + " " + millis + "ms";
            case SPLIT_BRAIN, PARTITION -> kind.name().toLowerCase().replace('_', '-') + " " + names(group) + "|rest " + millis + "ms";
            case ASYMMETRIC -> "asymmetric n" + group.get(0) + "->n" + group.get(1) + " dropped " + millis + "ms";
            case LOSS -> "loss " + param + "% into " + names(group) + " " + millis + "ms";
            case KILL -> "kill -9 n" + group.get(0) + ", restart after " + millis + "ms";
            case PAUSE -> "SIGSTOP n" + group.get(0) + " " + millis + "ms, SIGCONT";
            case SKEW -> "clock n" + group.get(0) + " " + (param >= 0 ? "+" : "") + param + "s (restart)";
            case DISK -> "disk of n" + group.get(0) + " full " + millis + "ms";
            case DUPLICATE -> "duplicate " + param + "% into " + names(group) + " " + millis + "ms";
            case THROTTLE -> "throttle n" + group.get(0) + " to " + param + " kbit/s " + millis + "ms";
        };
    }

    private static String names(List<Integer> g) {
        return g.stream().map(i -> "n" + i).reduce((a, b) -> a + "," + b).orElse("");
    }

    /**
     * The fault sequence of one schedule: 2 to 4 faults, one after the other. With {@code spareFirst}
     * (the soak) faults that end a process never pick n0.
     */
    static List<Fault> plan(Random rng, int nodes, boolean spareFirst) {
        List<Fault> faults = new ArrayList<>();
        int count = 2 + rng.nextInt(3);
        Kind[] kinds = Kind.values();
        for (int f = 0; f < count; f++) {
            Kind k = kinds[rng.nextInt(kinds.length)];
            int a = rng.nextInt(nodes);
            if (spareFirst && k.restarts() && a == 0) {
                a = 1 + rng.nextInt(nodes - 1);
            }
            int b = (a + 1 + rng.nextInt(nodes - 1)) % nodes;
            faults.add(switch (k) {
                case ISOLATE -> new Fault(k, List.of(a), 0, 3_000 + rng.nextInt(7_000));
                case SPLIT_BRAIN -> new Fault(k, firstHalf(rng, nodes, nodes / 2), 0, 3_000 + rng.nextInt(7_000));
                case PARTITION -> new Fault(k, firstHalf(rng, nodes, 1 + rng.nextInt(nodes - 1)), 0, 3_000 + rng.nextInt(7_000));
                case ASYMMETRIC -> new Fault(k, List.of(a, b), 0, 3_000 + rng.nextInt(7_000));
                case LOSS -> new Fault(k, List.of(a), 10 + rng.nextInt(41), 4_000 + rng.nextInt(6_000));
                case KILL -> new Fault(k, List.of(a), 0, rng.nextInt(4_000));
                // longer than the 10 s handshake timeout, so peers see the link die while the process holds its sockets
                case PAUSE -> new Fault(k, List.of(a), 0, 12_000 + rng.nextInt(8_000));
                // within the engine's 5-minute drift rule, ahead or behind
                case SKEW -> new Fault(k, List.of(a), (rng.nextBoolean() ? 1 : -1) * (5 + rng.nextInt(235)), 2_000 + rng.nextInt(4_000));
                // the node's data/ (a tmpfs) filled up while its writer and its peers keep writing
                case DISK -> new Fault(k, List.of(a), 0, 3_000 + rng.nextInt(5_000));
                case DUPLICATE -> new Fault(k, List.of(a), 10 + rng.nextInt(41), 4_000 + rng.nextInt(6_000));
                case THROTTLE -> new Fault(k, List.of(a), 64 + rng.nextInt(449), 4_000 + rng.nextInt(6_000));
            });
        }
        return faults;
    }

    private static List<Integer> firstHalf(Random rng, int nodes, int size) {
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            all.add(i);
        }
        java.util.Collections.shuffle(all, rng);
        List<Integer> g = new ArrayList<>(all.subList(0, Math.max(1, Math.min(size, nodes - 1))));
        java.util.Collections.sort(g);
        return g;
    }
}
