package io.rhizome.testsupport.postgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL server for tests: a fresh cluster ({@code initdb}) in a temporary folder,
 * a postmaster on a free port of 127.0.0.1 (and a unix socket in that folder), password
 * authentication (SCRAM) for the superuser {@value #USER}, stopped and deleted by {@link #close()}.
 * It runs Debian's binaries ({@code /usr/lib/postgresql/<version>/bin}, the newest found, or the
 * folder named by {@code RHIZOME_PG_BIN}); run as root, the server runs as the {@code postgres}
 * user (PostgreSQL refuses to run as root). Every wait is bounded and fails with the server's log.
 */
public final class PostgresServer implements AutoCloseable {

    /** The superuser the cluster is created with. */
    public static final String USER = "rhizome";

    private static final Pattern DATABASE_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    private static final long START_SECONDS = 60;
    private static final long STOP_SECONDS = 30;

    private final Path bin;
    private final Path folder;
    private final Path data;
    private final int port;
    private final String password;
    private final boolean asPostgresUser;
    private final Process postmaster;

    private PostgresServer(Path bin, Path folder, int port, String password, boolean asPostgresUser, Process postmaster) {
        this.bin = bin;
        this.folder = folder;
        this.data = folder.resolve("data");
        this.port = port;
        this.password = password;
        this.asPostgresUser = asPostgresUser;
        this.postmaster = postmaster;
    }

    /** The folder of the server binaries, or an error naming what is missing and how to get it. */
    public static Path binaries() {
        String configured = System.getenv("RHIZOME_PG_BIN");
        List<Path> candidates = new ArrayList<>();
        if (configured != null && !configured.isBlank()) {
            candidates.add(Path.of(configured));
        } else {
            Path debian = Path.of("/usr/lib/postgresql");
            if (Files.isDirectory(debian)) {
                try (Stream<Path> versions = Files.list(debian)) {
                    versions.map(v -> v.resolve("bin"))
                            .sorted(Comparator.comparing((Path p) -> versionOf(p.getParent().getFileName().toString())).reversed())
                            .forEach(candidates::add);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot list " + debian, e);
                }
            }
        }
        List<String> missing = new ArrayList<>();
        for (Path dir : candidates) {
            missing.clear();
            for (String tool : List.of("initdb", "postgres", "pg_ctl", "pg_isready", "psql")) {
                if (!Files.isExecutable(dir.resolve(tool))) {
                    missing.add(dir.resolve(tool).toString());
                }
            }
            if (missing.isEmpty()) {
                return dir;
            }
        }
        throw new IllegalStateException("the PostgreSQL server binaries are missing: "
                + (candidates.isEmpty() ? "no /usr/lib/postgresql/<version>/bin folder" : String.join(", ", missing))
                + "; install Debian's postgresql package (apt-get install postgresql, as .ci/run does) or set RHIZOME_PG_BIN "
                + "to a folder with initdb, postgres, pg_ctl, pg_isready and psql");
    }

    private static int versionOf(String name) {
        try {
            return Integer.parseInt(name);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Creates a cluster and starts its server; returns once it accepts connections. */
    public static PostgresServer start() throws IOException, InterruptedException {
        Path bin = binaries();
        boolean root = "root".equals(System.getProperty("user.name"));
        Path folder = Files.createTempDirectory("rhizome-pg-");
        boolean started = false;
        try {
            String password = HexFormat.of().formatHex(new SecureRandom().generateSeed(12));
            Path pwfile = folder.resolve("pwfile");
            Files.writeString(pwfile, password + "\n", StandardCharsets.UTF_8);
            if (root) {
                chownToPostgres(folder);
                chownToPostgres(pwfile);
            }
            run(bin, root, folder, 120, "initdb", "-D", folder.resolve("data").toString(), "-U", USER,
                    "--pwfile=" + pwfile, "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C", "--no-sync");
            Files.delete(pwfile);
            int port = freePort();
            List<String> command = command(bin, root, "postgres", "-D", folder.resolve("data").toString(), "-p",
                    Integer.toString(port), "-h", "127.0.0.1", "-k", folder.toString(), "-c", "max_connections=200");
            Process postmaster = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(folder.resolve("server.log").toFile()).start();
            PostgresServer server = new PostgresServer(bin, folder, port, password, root, postmaster);
            server.awaitReady();
            started = true;
            return server;
        } finally {
            if (!started) {
                deleteTree(folder);
            }
        }
    }

    private void awaitReady() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_SECONDS);
        for (int attempt = 0; attempt < 10_000; attempt++) {
            if (!postmaster.isAlive()) {
                throw new IllegalStateException("the PostgreSQL server exited with " + postmaster.exitValue()
                        + " before it accepted connections; its log:\n" + log());
            }
            Process ready = new ProcessBuilder(bin.resolve("pg_isready").toString(), "-h", "127.0.0.1", "-p",
                    Integer.toString(port), "-t", "2").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (ready.waitFor(10, TimeUnit.SECONDS) && ready.exitValue() == 0) {
                return;
            }
            ready.destroyForcibly();
            if (System.nanoTime() > deadline) {
                break;
            }
            Thread.sleep(100); // polling pg_isready; the deadline bounds the loop
        }
        postmaster.destroyForcibly();
        throw new IllegalStateException("the PostgreSQL server on 127.0.0.1:" + port + " did not accept connections within "
                + START_SECONDS + " s; its log:\n" + log());
    }

    public int port() {
        return port;
    }

    public String user() {
        return USER;
    }

    public String password() {
        return password;
    }

    /** The JDBC URL of one database of this server. */
    public String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /** Creates an empty database (owned by {@value #USER}). */
    public void createDatabase(String name) throws IOException, InterruptedException {
        sql("postgres", "CREATE DATABASE " + checkedName(name));
    }

    /** Runs SQL in a database through psql, failing on the first error; returns psql's output (unaligned, tuples only). */
    public String sql(String database, String sql) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(bin.resolve("psql").toString(), "-h", "127.0.0.1", "-p", Integer.toString(port),
                "-U", USER, "-d", checkedName(database), "-v", "ON_ERROR_STOP=1", "-X", "-q", "-A", "-t", "-c", sql)
                .redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("PGPASSWORD", password);
        env.put("PGCONNECT_TIMEOUT", "10");
        Process p = pb.start();
        byte[] out;
        try (var in = p.getInputStream()) {
            out = in.readAllBytes();
        }
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("psql did not finish within 60 s: " + sql);
        }
        String text = new String(out, StandardCharsets.UTF_8).strip();
        if (p.exitValue() != 0) {
            throw new IllegalStateException("psql failed (" + p.exitValue() + ") on " + sql + ": " + text);
        }
        return text;
    }

    /** The server's log so far. */
    public String log() {
        try {
            return Files.readString(folder.resolve("server.log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Stops the server (fast shutdown, bounded; killed if it does not stop) and deletes its folder. */
    @Override
    public void close() throws IOException, InterruptedException {
        try {
            if (postmaster.isAlive()) {
                try {
                    run(bin, asPostgresUser, folder, STOP_SECONDS + 10, "pg_ctl", "-D", data.toString(), "stop", "-m", "fast",
                            "-w", "-t", Long.toString(STOP_SECONDS));
                } catch (IllegalStateException notStopped) {
                    postmaster.destroyForcibly();
                }
                if (!postmaster.waitFor(STOP_SECONDS, TimeUnit.SECONDS)) {
                    postmaster.destroyForcibly();
                    if (!postmaster.waitFor(STOP_SECONDS, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("the PostgreSQL server (pid " + postmaster.pid() + ") did not stop");
                    }
                }
            }
        } finally {
            deleteTree(folder);
        }
    }

    private static String checkedName(String name) {
        if (!DATABASE_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not a plain database name: " + name);
        }
        return name;
    }

    private static List<String> command(Path bin, boolean asPostgresUser, String tool, String... args) {
        List<String> command = new ArrayList<>();
        if (asPostgresUser) {
            command.addAll(List.of("setpriv", "--reuid=postgres", "--regid=postgres", "--clear-groups", "--"));
        }
        command.add(bin.resolve(tool).toString());
        command.addAll(List.of(args));
        return command;
    }

    private static void run(Path bin, boolean asPostgresUser, Path folder, long seconds, String tool, String... args)
            throws IOException, InterruptedException {
        Path out = folder.resolve(tool + ".out");
        Process p = new ProcessBuilder(command(bin, asPostgresUser, tool, args)).directory(folder.toFile())
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(tool + " did not finish within " + seconds + " s: " + Files.readString(out));
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException(tool + " failed with " + p.exitValue() + ": " + Files.readString(out));
        }
    }

    private static void chownToPostgres(Path path) throws IOException {
        UserPrincipalLookupService users = path.getFileSystem().getUserPrincipalLookupService();
        PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        view.setOwner(users.lookupPrincipalByName("postgres"));
        GroupPrincipal group = users.lookupPrincipalByGroupName("postgres");
        view.setGroup(group);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
