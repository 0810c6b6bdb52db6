package io.rhizome.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One real daemon ({@code ./rhizome daemon}) in its own network namespace. Writers hold the read
 * lock for each request and faults that stop the process take the write lock, so a kill or pause
 * never lands inside a request: every write's outcome is known, which is what makes the counters exact.
 */
final class Node {
    enum State { UP, DOWN, PAUSED }

    static final int API_PORT = 18733;
    static final int P2P_PORT = 7301;

    final int index;
    final String netns;
    final String ip;
    final Path home;
    final Rest rest;
    final ReentrantReadWriteLock lock = new ReentrantReadWriteLock(true);
    private final Path root;
    private final Path pidsFile;
    private volatile State state = State.DOWN;
    private volatile Process process;
    private volatile long clockOffsetMillis;

    Node(int index, String netns, String ip, Path home, Path root, Path pidsFile) {
        this.index = index;
        this.netns = netns;
        this.ip = ip;
        this.home = home;
        this.root = root;
        this.pidsFile = pidsFile;
        this.rest = new Rest(ip, API_PORT);
    }

    String name() {
        return "n" + index;
    }

    State state() {
        return state;
    }

    long clockOffsetMillis() {
        return clockOffsetMillis;
    }

    long pid() {
        return process == null ? -1 : process.pid();
    }

    /** Starts the daemon (clock shifted by offsetMillis through {@code rhizome.clock.offsetMillis}) and waits until its API answers. */
    void start(long offsetMillis) throws IOException, InterruptedException {
        Files.createDirectories(home);
        Files.writeString(home.resolve("rhizome.properties"), "api.port=" + API_PORT + "\np2p.listen=/ip4/" + ip + "/tcp/" + P2P_PORT
                + "\np2p.mdns=false\n");
        Files.deleteIfExists(home.resolve("api.json"));
        ProcessBuilder pb = new ProcessBuilder("ip", "netns", "exec", netns, root.resolve("rhizome").toString(), "daemon", "--home", home.toString());
        pb.environment().put("RHIZOME_JAVA_OPTS", System.getProperty("chaos.daemonOpts", "-Xmx320m")
                + (offsetMillis == 0 ? "" : " -Drhizome.clock.offsetMillis=" + offsetMillis));
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolveSibling(name() + ".out").toFile()));
        process = pb.start();
        clockOffsetMillis = offsetMillis;
        Files.writeString(pidsFile, process.pid() + "\n", java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        long deadline = System.nanoTime() + Long.getLong("chaos.startSeconds", 600) * 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException(name() + " exited with " + process.exitValue() + " while starting; see " + home.resolveSibling(name() + ".out"));
            }
            Path api = home.resolve("api.json");
            if (Files.exists(api)) {
                try {
                    JsonNode a = Rest.JSON.readTree(Files.readString(api));
                    rest.key(a.path("apiKey").asText());
                    if (rest.get("/v1/status").ok()) {
                        state = State.UP;
                        return;
                    }
                } catch (IOException notYet) {
                    // api.json half written or the API not reachable yet: try again
                }
            }
            Thread.sleep(200);
        }
        throw new IOException(name() + " did not answer within " + Long.getLong("chaos.startSeconds", 600) + " s");
    }

    void kill9() throws InterruptedException {
        lock.writeLock().lock();
        try {
            state = State.DOWN;
            Process p = process;
            if (p != null) {
                p.destroyForcibly();
                p.waitFor();
                // the attach socket jcmd made (the soak's heap samples) outlives a JVM killed with -9
                try {
                    Files.deleteIfExists(Path.of("/tmp/.java_pid" + p.pid()));
                } catch (IOException ignored) {
                    // not ours to worry about: the next run's cleanup removes it too
                }
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    void pause() throws IOException, InterruptedException {
        lock.writeLock().lock();
        try {
            state = State.PAUSED;
            signal("-STOP");
        } finally {
            lock.writeLock().unlock();
        }
    }

    void resume() throws IOException, InterruptedException {
        signal("-CONT");
        state = State.UP;
    }

    private void signal(String sig) throws IOException, InterruptedException {
        Process k = new ProcessBuilder("kill", sig, Long.toString(pid())).inheritIO().start();
        if (k.waitFor() != 0) {
            throw new IOException("kill " + sig + " " + pid() + " failed");
        }
    }

    /** Resident memory of the daemon's JVM in MiB, or -1 when it is not running. */
    long rssMegabytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid() + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** Open file descriptors of the daemon's JVM, or -1 when it is not running. */
    int fdCount() {
        String[] fds = new java.io.File("/proc/" + pid() + "/fd").list();
        return fds == null ? -1 : fds.length;
    }

    /**
     * The Java heap in use right after a full GC, in MiB ({@code jcmd PID GC.run}, then
     * {@code GC.heap_info}), or -1 when the node is not up or jcmd does not answer within 20 s.
     */
    long heapAfterGcMegabytes() {
        if (state != State.UP) {
            return -1;
        }
        try {
            Path jcmd = Path.of(ProcessHandle.current().info().command().orElseThrow()).resolveSibling("jcmd");
            if (jcmd(jcmd, "GC.run") == null) {
                return -1;
            }
            String info = jcmd(jcmd, "GC.heap_info");
            java.util.regex.Matcher m = info == null ? null : java.util.regex.Pattern.compile("used (\\d+)K").matcher(info);
            return m != null && m.find() ? Long.parseLong(m.group(1)) / 1024 : -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private String jcmd(Path jcmd, String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid()), command).redirectErrorStream(true).start();
        // the answer is a few lines, well within the pipe's buffer: wait first, so a jcmd that hangs cannot block the read
        if (!p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return null;
        }
        byte[] out = p.getInputStream().readAllBytes();
        return p.exitValue() == 0 ? new String(out) : null;
    }

    /**
     * Fills the file system of the node's {@code data/} (a tmpfs of its own, mounted by run.sh) with a
     * filler file until a write fails; returns the bytes written. Bounded by the tmpfs's size.
     */
    long fillDisk() throws IOException {
        Path filler = home.resolve("data").resolve("chaos-filler");
        long written = 0;
        long cap = 4L << 30;
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(filler, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
            for (int size : new int[] {1 << 20, 4096}) {
                java.nio.ByteBuffer chunk = java.nio.ByteBuffer.allocate(size);
                try {
                    while (written < cap) {
                        chunk.clear();
                        while (chunk.hasRemaining()) {
                            written += ch.write(chunk);
                        }
                    }
                } catch (IOException full) {
                    // no space left: on to the smaller chunks, then done
                }
            }
        }
        if (written >= cap) {
            throw new IOException(name() + "'s data/ took " + written + " bytes without filling up: is it on its own tmpfs?");
        }
        return written;
    }

    /** Space returns: the filler deleted. */
    void freeDisk() throws IOException {
        Files.deleteIfExists(home.resolve("data").resolve("chaos-filler"));
    }

    boolean alive() {
        return process != null && process.isAlive();
    }
}
