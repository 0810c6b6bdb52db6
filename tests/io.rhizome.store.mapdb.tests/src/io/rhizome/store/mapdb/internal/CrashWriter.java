package io.rhizome.store.mapdb.internal;

import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.rhizome.spi.store.LogEntry;
import io.rhizome.spi.store.NewEntry;

/**
 * The child process of {@link CrashKillTest}: opens the store outside OSGi and appends from several
 * threads until it is killed, printing every acknowledged entry as {@code ACK author seq position}.
 * Each call appends {@value #PER_CALL} entries of one author plus a metadata value
 * ({@code last/author} = the call's last seq), so a half-applied call would show.
 */
public final class CrashWriter {

    static final int PER_CALL = 3;
    static final int PAYLOAD = 200;

    private CrashWriter() {
    }

    static byte[] payload(String author, long seq) {
        byte[] unit = (author + ":" + seq + ";").getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[PAYLOAD];
        for (int i = 0; i < PAYLOAD; i++) {
            out[i] = unit[i % unit.length];
        }
        return out;
    }

    static byte[] longBytes(long v) {
        return ByteBuffer.allocate(8).putLong(v).array();
    }

    public static void main(String[] args) throws Exception {
        Path folder = Path.of(args[0]);
        int threads = Integer.parseInt(args[1]);
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        MapDbReplicaStore store = MapDbReplicaStore.open(StoreSettings.defaults(folder), TestStoreKey.KEY);
        Map<String, Long> seqs = store.streamSeqs();
        synchronized (out) {
            out.println("READY " + store.head());
            out.flush();
        }
        List<Thread> writers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            String author = "writer-" + t;
            long start = seqs.getOrDefault(author, 0L);
            Thread w = new Thread(() -> {
                long seq = start;
                try {
                    while (true) {
                        List<NewEntry> call = new ArrayList<>();
                        for (int i = 0; i < PER_CALL; i++) {
                            seq++;
                            call.add(new NewEntry(author, seq, payload(author, seq)));
                        }
                        List<LogEntry> done = store.append(call, Map.of("last/" + author, longBytes(seq)));
                        synchronized (out) {
                            for (LogEntry e : done) {
                                out.println("ACK " + e.stream() + " " + e.seq() + " " + e.position());
                            }
                            out.flush();
                        }
                    }
                } catch (Exception e) {
                    synchronized (out) {
                        out.println("ERROR " + e);
                        out.flush();
                    }
                }
            });
            w.start();
            writers.add(w);
        }
        for (Thread w : writers) {
            w.join();
        }
    }
}
