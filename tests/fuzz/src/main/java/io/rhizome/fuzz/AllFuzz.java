package io.rhizome.fuzz;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Every target in one process, for the CI profile: a JVM with Jazzer takes seconds to start, and
 * two dozen of them would not fit CI's budget. The first input byte picks the target (in the order of
 * {@link #NAMES}, which is run.sh's order), the rest is that target's input; the seed corpus is every
 * target's, prefixed so (run.sh builds it). Coverage guides across all of them at once. The
 * executions of each target are written to {@code rhizome.fuzz.work}/all-executions.txt as it goes.
 */
public final class AllFuzz {

    /** The targets, in run.sh's order. */
    public static final List<String> NAMES = List.of("sync-message", "change-set", "crdt-g-counter", "crdt-pn-counter", "crdt-g-set",
            "crdt-or-set", "crdt-lww-register", "crdt-mv-register", "crdt-lww-map", "crdt-or-map", "crdt-list", "crdt-text", "noise",
            "yamux", "multistream", "mdns", "identify", "pairing", "keystore", "rest-body",
            "org-statement", "cloud-file", "backup-file", "import-lines");

    private interface One {
        void run(byte[] input) throws Exception;
    }

    private static final List<One> TARGETS = List.of(
            io.rhizome.core.internal.protocol.SyncMessageFuzz::fuzzerTestOneInput,
            io.rhizome.core.internal.engine.ChangeSetFuzz::fuzzerTestOneInput,
            in -> io.rhizome.crdt.internal.CrdtFuzz.fuzzType("g-counter", in),
            in -> io.rhizome.crdt.internal.CrdtFuzz.fuzzType("pn-counter", in),
            in -> io.rhizome.crdt.internal.CrdtFuzz.fuzzType("g-set", in),
            in -> io.rhizome.crdt.internal.CrdtFuzz.fuzzType("or-set", in),
            in -> io.rhizome.crdt.internal.CrdtFuzz.fuzzType("lww-register", in),
            in -> io.rhizome.crdt.internal.CrdtFuzz.fuzzType("mv-register", in),
            in -> io.rhizome.crdt.internal.CrdtFuzz.fuzzType("lww-map", in),
            in -> io.rhizome.crdt.internal.CrdtFuzz.fuzzType("or-map", in),
            in -> io.rhizome.crdt.internal.CrdtFuzz.fuzzType("list", in),
            in -> io.rhizome.crdt.internal.CrdtFuzz.fuzzType("text", in),
            io.rhizome.transport.libp2p.internal.noise.NoiseFuzz::fuzzerTestOneInput,
            io.rhizome.transport.libp2p.internal.yamux.YamuxFuzz::fuzzerTestOneInput,
            io.rhizome.transport.libp2p.internal.multistream.MultistreamFuzz::fuzzerTestOneInput,
            io.rhizome.transport.libp2p.internal.mdns.DnsFuzz::fuzzerTestOneInput,
            io.rhizome.transport.libp2p.internal.IdentifyFuzz::fuzzerTestOneInput,
            io.rhizome.pairing.internal.PairingFuzz::fuzzerTestOneInput,
            io.rhizome.crypto.bc.internal.keys.KeyStoreFuzz::fuzzerTestOneInput,
            io.rhizome.rest.internal.RestBodyFuzz::fuzzerTestOneInput,
            io.rhizome.policy.enterprise.internal.statement.OrgStatementFuzz::fuzzerTestOneInput,
            io.rhizome.transport.cloud.CloudFileFuzz::fuzzerTestOneInput,
            io.rhizome.backup.internal.BackupFileFuzz::fuzzerTestOneInput,
            io.rhizome.rest.internal.ImportLinesFuzz::fuzzerTestOneInput);

    private static final AtomicLongArray EXECUTIONS = new AtomicLongArray(NAMES.size());
    private static long total;

    public static void fuzzerInitialize() {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                writeCounts();
            } catch (IOException e) {
                // the counts of the last 2048 inputs are missing from the file; the run's total is in Jazzer's output
            }
        }));
    }

    public static void fuzzerTestOneInput(byte[] input) throws Exception {
        if (input.length == 0) {
            return;
        }
        int i = (input[0] & 0xFF) % TARGETS.size();
        EXECUTIONS.incrementAndGet(i);
        if (++total % 2048 == 1) {
            writeCounts();
        }
        TARGETS.get(i).run(java.util.Arrays.copyOfRange(input, 1, input.length));
    }

    private static void writeCounts() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < NAMES.size(); i++) {
            sb.append(NAMES.get(i)).append(' ').append(EXECUTIONS.get(i)).append('\n');
        }
        Path dir = Path.of(System.getProperty("rhizome.fuzz.work", System.getProperty("java.io.tmpdir")));
        Path tmp = dir.resolve("all-executions.txt.tmp");
        Files.writeString(tmp, sb);
        Files.move(tmp, dir.resolve("all-executions.txt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
