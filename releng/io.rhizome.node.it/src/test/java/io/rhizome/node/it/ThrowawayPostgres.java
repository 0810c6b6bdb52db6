package io.rhizome.node.it;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL 15 server for the node ITs (this plain Maven module cannot use the OSGi
 * test support's {@code PostgresServer}): {@code initdb} into a temporary folder, a postmaster on a
 * free port of 127.0.0.1, a SCRAM password for the superuser {@value #USER}; run as root, the server
 * runs as the {@code postgres} user. {@link #close()} stops it (bounded) and deletes the folder.
 * A missing binary fails naming it and the package to install.
 */
final class ThrowawayPostgres implements AutoCloseable {

    static final String USER = "rhizome";
    private static final Path BIN = Path.of(System.getenv().getOrDefault("RHIZOME_PG_BIN", "/usr/lib/postgresql/15/bin"));
    private static final long START_SECONDS = 60;

    private final Path folder;
    private final int port;
    private final String password;
    private final boolean root;
    private final Process postmaster;

    private ThrowawayPostgres(Path folder, int port, String password, boolean root, Process postmaster) {
        this.folder = folder;
        this.port = port;
        this.password = password;
        this.root = root;
        this.postmaster = postmaster;
    }

    static ThrowawayPostgres start() throws Exception {
        for (String tool : List.of("initdb", "postgres", "pg_ctl", "pg_isready", "psql")) {
            if (!Files.isExecutable(BIN.resolve(tool))) {
                throw new AssertionError("this test needs the PostgreSQL 15 server binaries: " + BIN.resolve(tool)
                        + " is missing; apt-get install postgresql (as .ci/run does) or set RHIZOME_PG_BIN");
            }
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        Path folder = Files.createTempDirectory("rhizome-it-pg-");
        String password = HexFormat.of().formatHex(new SecureRandom().generateSeed(12));
        Path pwfile = folder.resolve("pwfile");
        Files.writeString(pwfile, password + "\n", StandardCharsets.UTF_8);
        if (root) {
            run(List.of("chown", "-R", "postgres:postgres", folder.toString()), folder, 30);
        }
        run(command(root, "initdb", "-D", folder.resolve("data").toString(), "-U", USER, "--pwfile=" + pwfile,
                "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C", "--no-sync"), folder, 120);
        Files.delete(pwfile);
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Process p = new ProcessBuilder(command(root, "postgres", "-D", folder.resolve("data").toString(), "-p", Integer.toString(port),
                "-h", "127.0.0.1", "-k", folder.toString())).redirectErrorStream(true).redirectOutput(folder.resolve("server.log").toFile()).start();
        ThrowawayPostgres server = new ThrowawayPostgres(folder, port, password, root, p);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_SECONDS);
        while (true) {
            Process ready = new ProcessBuilder(BIN.resolve("pg_isready").toString(), "-h", "127.0.0.1", "-p", Integer.toString(port), "-t", "2")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (ready.waitFor(10, TimeUnit.SECONDS) && ready.exitValue() == 0) {
                return server;
            }
            ready.destroyForcibly();
            if (!p.isAlive() || System.nanoTime() > deadline) {
                String log = Files.readString(folder.resolve("server.log"));
                server.close();
                throw new AssertionError("PostgreSQL on 127.0.0.1:" + port + " did not accept connections within " + START_SECONDS + " s: " + log);
            }
            Thread.sleep(100); // polling pg_isready; the deadline bounds the loop
        }
    }

    String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    String password() {
        return password;
    }

    /** Runs SQL through psql in {@code database} (unaligned, tuples only), failing on an error; its output. */
    String sql(String database, String sql) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(BIN.resolve("psql").toString(), "-h", "127.0.0.1", "-p", Integer.toString(port), "-U", USER,
                "-d", database, "-v", "ON_ERROR_STOP=1", "-X", "-q", "-A", "-t", "-c", sql).redirectErrorStream(true);
        pb.environment().put("PGPASSWORD", password);
        pb.environment().put("PGCONNECT_TIMEOUT", "10");
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("psql did not finish within 60 s: " + sql);
        }
        String text = new String(out, StandardCharsets.UTF_8).strip();
        if (p.exitValue() != 0) {
            throw new AssertionError("psql failed (" + p.exitValue() + ") on " + sql + ": " + text);
        }
        return text;
    }

    @Override
    public void close() throws Exception {
        try {
            if (postmaster.isAlive()) {
                try {
                    run(command(root, "pg_ctl", "-D", folder.resolve("data").toString(), "stop", "-m", "fast", "-w", "-t", "30"), folder, 40);
                } catch (AssertionError notStopped) {
                    postmaster.destroyForcibly();
                }
                if (!postmaster.waitFor(30, TimeUnit.SECONDS)) {
                    postmaster.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                }
            }
        } finally {
            try (Stream<Path> walk = Files.walk(folder)) {
                for (Path f : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }

    private static List<String> command(boolean root, String tool, String... args) {
        List<String> command = new ArrayList<>();
        if (root) {
            command.addAll(List.of("setpriv", "--reuid=postgres", "--regid=postgres", "--clear-groups", "--"));
        }
        command.add(BIN.resolve(tool).toString());
        command.addAll(List.of(args));
        return command;
    }

    private static void run(List<String> command, Path folder, long seconds) throws IOException, InterruptedException {
        Path out = Files.createTempFile("rhizome-it-pg-", ".out");
        try {
            Process p = new ProcessBuilder(command).directory(folder.toFile()).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(command.get(command.size() - 1) + " did not finish within " + seconds + " s: " + Files.readString(out));
            }
            if (p.exitValue() != 0) {
                throw new AssertionError(String.join(" ", command) + " failed with " + p.exitValue() + ": " + Files.readString(out));
            }
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
