package io.rhizome.transport.libp2p.tests;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.rhizome.testsupport.Await;

/**
 * A js-libp2p peer (js/peer.mjs) as a child process, bounded in time; its JSON event lines are
 * collected for assertions. Needs Node 20+ and npm; the js folder's packages are installed
 * ({@code npm ci}) the first time, see {@link NpmPackages}.
 */
final class JsPeer implements AutoCloseable {

    private final Process process;
    final List<String> lines = new CopyOnWriteArrayList<>();
    private final Thread reader;

    private JsPeer(Process process) {
        this.process = process;
        this.reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException e) {
                lines.add("{\"event\":\"reader-failed\"}");
            }
        }, "js-peer-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    static JsPeer start(String... args) throws IOException {
        return startScript("peer.mjs", args);
    }

    /** Runs another script of the js folder (relay.mjs). */
    static JsPeer startScript(String script, String... args) throws IOException {
        return startIn(List.of(), script, args);
    }

    /** Runs a script of the js folder inside network namespace {@code netns} ({@code ip netns exec}; needs root). */
    static JsPeer startInNamespace(String netns, String script, String... args) throws IOException {
        return startIn(List.of("ip", "netns", "exec", netns), script, args);
    }

    private static JsPeer startIn(List<String> prefix, String script, String... args) throws IOException {
        File dir = jsDir();
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of("node", script));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().put("PEER_TIMEOUT_MS", "60000");
        return new JsPeer(pb.start());
    }

    /** The js folder: -Drhizome.libp2p.js=..., else found upwards from the working directory. */
    static File jsDir() {
        String prop = System.getProperty("rhizome.libp2p.js");
        List<File> candidates = new ArrayList<>();
        if (prop != null) {
            candidates.add(new File(prop));
        }
        File d = new File(System.getProperty("user.dir")).getAbsoluteFile();
        for (int i = 0; i < 6 && d != null; i++, d = d.getParentFile()) {
            candidates.add(new File(d, "js"));
            candidates.add(new File(d, "tests/io.rhizome.transport.libp2p.tests/js"));
            candidates.add(new File(d, "io.rhizome.transport.libp2p.tests/js"));
        }
        for (File c : candidates) {
            if (new File(c, "peer.mjs").isFile()) {
                // the package added last: a node_modules from before it is installed anew
                NpmPackages.ensure(c, "@libp2p/dcutr");
                return c;
            }
        }
        throw new AssertionError("js peer folder not found from " + System.getProperty("user.dir"));
    }

    /** Waits for the first line containing {@code fragment}; fails early if the peer exits without it. */
    String await(String fragment, Duration timeout) throws InterruptedException {
        Await.until(timeout, "js peer line containing " + fragment + " (got " + lines + ")",
                () -> find(fragment).isPresent() || !process.isAlive());
        if (find(fragment).isEmpty()) {
            reader.join(2000);
        }
        return find(fragment).orElseThrow(() -> new AssertionError("js peer exited before " + fragment + ": " + lines));
    }

    Optional<String> find(String fragment) {
        return lines.stream().filter(l -> l.contains(fragment)).findFirst();
    }

    List<String> all(String fragment) {
        return lines.stream().filter(l -> l.contains(fragment)).toList();
    }

    static String field(String line, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":\"([^\"]*)\"").matcher(line);
        if (!m.find()) {
            throw new AssertionError("no " + name + " in " + line);
        }
        return m.group(1);
    }

    int waitForExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("js peer did not exit within " + timeout + ": " + lines);
        }
        reader.join(2000);
        return process.exitValue();
    }

    @Override
    public void close() throws Exception {
        process.getOutputStream().close();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
