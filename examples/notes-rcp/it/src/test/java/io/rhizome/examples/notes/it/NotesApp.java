package io.rhizome.examples.notes.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.Predicate;

/** One running instance of the notes product (its own home), driven through its test driver. */
final class NotesApp implements AutoCloseable {
    final String name;
    final Path home;
    private final Process process;
    private Socket socket;
    private BufferedReader in;
    private PrintWriter out;

    NotesApp(String name, Path product, Path home) throws IOException {
        this.name = name;
        this.home = home;
        Files.createDirectories(home);
        Path launcher;
        try (var s = Files.list(product.resolve("plugins"))) {
            launcher = s.filter(p -> p.getFileName().toString().startsWith("org.eclipse.equinox.launcher_")).findFirst()
                    .orElseThrow(() -> new IOException("no Equinox launcher in " + product.resolve("plugins")));
        }
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        if (Runtime.version().feature() >= 24) {
            cmd.add("--sun-misc-unsafe-memory-access=allow");   // MapDB, Netty
        }
        cmd.addAll(List.of("-Drhizome.home=" + home, "-Drhizome.p2p.listen=/ip4/127.0.0.1/tcp/0", "-Drhizome.p2p.mdns=false",
                "-Dnotes.driver.port=0", "-Dosgi.sharedConfiguration.area=" + product.resolve("configuration"),
                "-jar", launcher.toString(), "-configuration", home.resolve("osgi").toString(),
                "-data", home.resolve("workspace").toString(), "-clearPersistedState", "-consoleLog"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(home.resolve("out.log").toFile());
        pb.environment().put("GDK_BACKEND", "x11");
        process = pb.start();
    }

    /** Waits for the driver's port file and connects. */
    void connect(Duration timeout) throws Exception {
        Path port = home.resolve("notes-driver.port");
        Await.until(name + " writes its driver port", timeout, () -> Files.exists(port) || !process.isAlive());
        if (!process.isAlive()) {
            throw new AssertionError(name + " exited with " + process.exitValue() + ":\n" + log());
        }
        socket = new Socket(InetAddress.getLoopbackAddress(), Integer.parseInt(Files.readString(port).strip()));
        socket.setSoTimeout(30_000);
        in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        out = new PrintWriter(socket.getOutputStream(), true, StandardCharsets.UTF_8);
    }

    /** Sends one driver command; its value, or an {@link IllegalStateException} with the driver's error. */
    synchronized String call(String command) throws IOException {
        out.println(command);
        String line = in.readLine();
        if (line == null) {
            throw new IOException(name + " closed the driver connection");
        }
        if (line.startsWith("error")) {
            throw new IllegalStateException(name + ": " + command.split(" ")[0] + ": " + line.substring(5).strip());
        }
        return line.length() > 3 ? line.substring(3) : "";
    }

    String text(String id) throws IOException {
        return decode(call("get " + id));
    }

    /** The widget's text, or null while it is not showing (e.g. a dialog not open yet). */
    String textIfShowing(String id) throws IOException {
        try {
            return text(id);
        } catch (IllegalStateException e) {
            return null;
        }
    }

    List<String> items(String id) throws IOException {
        String s = decode(call("items " + id));
        return s.isEmpty() ? List.of() : List.of(s.split("\n"));
    }

    void set(String id, String text) throws IOException {
        call("set " + id + " " + encode(text));
    }

    /** Types with real X key events: focuses the widget first (its window active, the pointer over it). */
    void type(String id, String text) throws IOException {
        call("focus " + id);
        call("type " + encode(text));
    }

    String awaitText(String id, Duration timeout, Predicate<String> condition, String what) throws Exception {
        String[] last = {null};
        Await.until(name + ": " + what + " (last " + id + ": " + "%s)", timeout, () -> {
            last[0] = textIfShowing(id);
            return last[0] != null && condition.test(last[0]);
        }, () -> String.valueOf(last[0]));
        return last[0];
    }

    String log() {
        try {
            String s = Files.readString(home.resolve("out.log"));
            return s.length() > 6000 ? s.substring(s.length() - 6000) : s;
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    static String encode(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    static String decode(String s) {
        return new String(Base64.getDecoder().decode(s.strip()), StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws Exception {
        if (socket != null) {
            socket.close();
        }
        process.destroy();
        if (!process.waitFor(15, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        }
    }
}
