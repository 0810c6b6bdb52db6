package io.rhizome.store.postgres.internal;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.rhizome.spi.store.LogEntry;
import io.rhizome.spi.store.NewEntry;

/**
 * A hub's store in a process of its own, for {@link TwoHubProcessesTest}: opens the store on the
 * database given, says {@code ready}, waits for the go file (bounded), then appends
 * {@code shared/1..n} (which the other process appends too) and {@code <own>/1..n}, one pair per
 * call, and prints how many entries it appended and the head it saw.
 *
 * <p>Arguments: url, user, password file, own stream name, n, go file.
 */
public final class HubProcess {

    private HubProcess() {
    }

    public static void main(String[] args) throws Exception {
        String password = Files.readString(Path.of(args[2]), StandardCharsets.UTF_8).strip();
        String own = args[3];
        int n = Integer.parseInt(args[4]);
        Path go = Path.of(args[5]);
        PostgresReplicaStore store = PostgresReplicaStore.open(PostgresSettings.of(args[0], args[1], password));
        System.out.println("ready");
        System.out.flush();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(go)) {
            if (System.nanoTime() > deadline) {
                System.out.println("no go file within 60 s");
                System.exit(3);
            }
            Thread.sleep(10); // polling for the go file; bounded by the deadline
        }
        int appended = 0;
        for (int seq = 1; seq <= n; seq++) {
            List<LogEntry> added = store.append(List.of(
                    new NewEntry("shared", seq, ("shared/" + seq).getBytes(StandardCharsets.UTF_8)),
                    new NewEntry(own, seq, (own + "/" + seq).getBytes(StandardCharsets.UTF_8))), Map.of());
            appended += added.size();
        }
        System.out.println("appended " + appended + " head " + store.head());
        store.close();
    }
}
