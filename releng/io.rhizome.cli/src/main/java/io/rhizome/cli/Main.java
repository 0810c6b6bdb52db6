package io.rhizome.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The {@code rhizome} command line, a client of the daemon's loopback REST API. ({@code rhizome
 * daemon} itself is handled by the launcher script, which starts the node.)
 *
 * <p>Exit codes: 0 success; 1 the daemon refused the request; 2 bad usage; 3 no daemon reachable.
 */
public final class Main {

    static final int OK = 0;
    static final int REFUSED = 1;
    static final int USAGE = 2;
    static final int NO_DAEMON = 3;

    private final PrintStream out;
    private final PrintStream err;
    /** Strict: an argument or file line is one JSON value with nothing after it. */
    private final ObjectMapper json = new ObjectMapper().enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    Main(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        // JSON is UTF-8 (RFC 8259): values print the same on every platform, whatever the locale
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, java.nio.charset.StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.err), true, java.nio.charset.StandardCharsets.UTF_8);
        System.exit(new Main(out, err).run(args));
    }

    /** Parsed global options and the remaining words. */
    record Invocation(Path home, boolean jsonOutput, List<String> words) {
    }

    static Invocation parse(String[] args) {
        String env = System.getenv("RHIZOME_HOME");
        Path home = env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".rhizome");
        boolean jsonOutput = false;
        List<String> words = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--home" -> {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException("--home needs a folder");
                    }
                    home = Path.of(args[++i]);
                }
                case "--json" -> jsonOutput = true;
                case "--scope", "--predicate" -> {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException(args[i] + " needs a value");
                    }
                    words.add(args[i] + "=" + args[++i]);
                }
                case "--ns" -> {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException("--ns needs a namespace");
                    }
                    words.add("--ns=" + args[++i]);
                }
                default -> words.add(args[i]);
            }
        }
        return new Invocation(home.toAbsolutePath(), jsonOutput, words);
    }

    int run(String[] args) {
        Invocation inv;
        try {
            inv = parse(args);
        } catch (IllegalArgumentException e) {
            err.println("rhizome: " + e.getMessage());
            return USAGE;
        }
        if (inv.words().isEmpty() || inv.words().get(0).equals("help") || inv.words().get(0).equals("--help")) {
            out.print(usage());
            return inv.words().isEmpty() ? USAGE : OK;
        }
        String command = inv.words().get(0);
        try {
            return switch (command) {
                case "status" -> status(inv);
                case "plugins" -> plugins(inv);
                case "wg" -> wg(inv);
                case "open" -> new OpenCommand(inv, json, out, err).run();
                case "presence" -> new PresenceCommand(inv, json, out, err).run();
                case "sync" -> new SyncWaitCommand(inv, json, out, err).run();
                case "pair", "join", "peers", "p2p" -> new PeerCommands(inv, json, out, err).run(command);
                case "identity", "recovery" -> new IdentityCommands(inv, json, out, err).run(command);
                case "backup", "restore" -> new BackupCommands(inv, json, out, err).run(command);
                case "cloud" -> new CloudCommands(inv, json, out, err).run();
                case "hub", "relay" -> new ServiceStatusCommand(inv, json, out, err).run(command);
                case "org", "acl", "member", "audit" -> new OrgCommands(inv, json, out, err).run(command);
                case "put", "get", "del", "ls", "mutate", "watch", "export", "import", "ns" -> new DataCommands(inv, json, out, err).run(command);
                default -> {
                    err.println("rhizome: unknown command '" + command + "'; see: rhizome help");
                    yield USAGE;
                }
            };
        } catch (DaemonClient.NoDaemonException e) {
            err.println("rhizome: " + e.getMessage());
            return NO_DAEMON;
        }
    }

    static String usage() {
        return """
                usage: rhizome <command> [--home DIR] [--json]

                  daemon            start a node in the foreground (Ctrl-C stops it)
                  relay             run a node that only relays (libp2p circuit relay v2; ./rhizome relay --home DIR)
                  relay status      whether the relay of --home runs; its addresses, reservations, circuits, limits
                  hub               run a hub (sealed change sets, no mesh key; ./rhizome hub --home DIR)
                  hub status        whether the hub of --home runs; its addresses, members, store, files, bytes, refusals
                  status            the node's status
                  plugins           installed plugins (CRDT types, transports, providers, policies...)
                  plugins install JAR   add a plugin bundle to the running node (kept across restarts)
                  plugins uninstall NAME   remove a plugin bundle installed that way (by symbolic name)
                  open [--no-browser]   print (and open) a one-time login link to the sync monitor page
                  sync --wait [--timeout S]   block, with a progress bar, until caught up with every connected peer
                  presence          the presence states of this device and its connected paired devices
                  presence set JSON [--ttl S]   publish this device's ephemeral state (never stored); presence clear
                  ls [NS]           namespaces, or the keys of namespace NS
                  ns create NAME TYPE [--scope full|local-only|selective --predicate P]
                                    declare a namespace of a CRDT type (see: rhizome plugins)
                  ns delete NAME    remove a declaration (the data stays)
                  get NS KEY        the value of an entity (JSON)
                  put NS KEY JSON   set the value (registers, maps); JSON '-' reads standard input
                  mutate NS KEY INTENT  apply an intent, e.g. '{"op":"increment","by":1}'
                  del NS KEY        delete the value (registers)
                  watch [NS...]     print every change (local and remote) as it happens; Ctrl-C stops
                  export [--ns NS]...  every entity's value as JSON lines, to standard output
                  import FILE       write the values of an export back as local changes ('-': stdin)
                  pair [--png FILE] [--no-wait]
                                    show a one-time code (and QR code) another device joins with
                  join CODE [--addr MULTIADDR] [--timeout S]
                                    join the mesh of the device showing CODE (found on the LAN, or at MULTIADDR)
                  peers             paired devices: connected, transport, last seen
                  peers revoke ID   remove a device from the mesh and start a new mesh key epoch
                  p2p ping MULTIADDR [--count N]   libp2p ping any libp2p node
                  p2p connect MULTIADDR            connect to any libp2p node and show what it says (identify)
                  cloud add folder DIR   sync through a folder other devices also reach (iCloud Drive, Dropbox, a share)
                  cloud add gdrive [--folder NAME] [--open]  sync through Google Drive: prints (--open: opens) the consent page, waits for it
                  cloud add hub ADDRESS [--code CODE]   sync through a hub (`rhizome hub`): the address it printed;
                                    --code its claim code, on the first device only (the others are told by it)
                  cloud remove ID   stop using a cloud (its files stay)
                  cloud status      the clouds in use and, per device, when a batch from it last arrived
                  wg show           the WireGuard mesh: interface, key, per peer endpoint, handshake age, bytes
                  org create NAME [--member ME]    create an organisation, this device its first admin (enterprise policy)
                  org show          the organisation as this device counts it
                  member add NAME --role admin|member|read-only [--team T]... [--device ID]
                                    add a member (or set its role and teams) and enrol a device of it
                  member remove NAME   remove a member and its devices
                  member list       members, roles, teams, devices
                  acl grant (--role R | --team T) --namespace PATTERN [--write]
                                    let a role or team read (and write) namespaces: acme.hr, acme.hr.*, *
                  acl revoke (--role R | --team T) --namespace PATTERN   withdraw an ACL entry
                  acl show          the ACL entries in force
                  audit [--since ISO-TIME]   denials and ACL changes this device recorded (--json: JSON lines)
                  identity          this device's id, key fingerprint and mesh key epoch
                  recovery show     print the 24-word recovery phrase (asks for confirmation)
                  recovery verify   check recovery words typed on standard input
                  backup now [--to TARGET]   an encrypted snapshot into TARGET (default: backup.to), incremental
                                    on the newest there; progress on standard error. TARGET: a folder,
                                    synced:DIR (a synced folder) or gdrive:FOLDER (after cloud add gdrive)
                  backup list|verify [--to TARGET]   the snapshots there; verify re-reads every chunk and link
                  backup prune [--to TARGET] [--keep last=N,hourly=H,daily=D,maxAge=AGE]   delete the snapshots
                                    retention does not keep (default: backup.keep.*); never one a kept one builds on
                  restore --from TARGET   restore a new, empty home from TARGET (the 24 words on standard input)
                  help              this text

                --home DIR  the node's home folder (default: $RHIZOME_HOME or ~/.rhizome)
                --json      print the daemon's JSON answer as is
                """;
    }

    private int status(Invocation inv) throws DaemonClient.NoDaemonException {
        DaemonClient.Response r = DaemonClient.connect(inv.home(), json).get("/v1/status");
        if (!r.ok()) {
            return refused(r);
        }
        if (inv.jsonOutput()) {
            return printJson(r.body());
        }
        out.print(StatusView.render(r.body()));
        return OK;
    }

    private int wg(Invocation inv) throws DaemonClient.NoDaemonException {
        if (inv.words().size() != 2 || !inv.words().get(1).equals("show")) {
            err.println("rhizome: usage: rhizome wg show [--json]");
            return USAGE;
        }
        DaemonClient.Response r = DaemonClient.connect(inv.home(), json).get("/v1/status");
        if (!r.ok()) {
            return refused(r);
        }
        if (inv.jsonOutput()) {
            return printJson(r.body().path("transports").path("wireguard"));
        }
        out.print(WgView.render(r.body()));
        return OK;
    }

    private int plugins(Invocation inv) throws DaemonClient.NoDaemonException {
        if (inv.words().size() > 1) {
            return new PluginCommands(this, inv, out, err).run(DaemonClient.connect(inv.home(), json));
        }
        DaemonClient.Response r = DaemonClient.connect(inv.home(), json).get("/v1/plugins");
        if (!r.ok()) {
            return refused(r);
        }
        if (inv.jsonOutput()) {
            return printJson(r.body());
        }
        out.printf("%-20s %-28s %-6s %s%n", "KIND", "NAME", "ACTIVE", "BUNDLE");
        for (JsonNode p : r.body().path("plugins")) {
            out.printf("%-20s %-28s %-6s %s %s%n", p.path("kind").asText(), p.path("name").asText(), p.path("active").asBoolean() ? "yes" : "no",
                    p.path("bundle").asText(), p.path("bundleVersion").asText());
        }
        JsonNode added = r.body().path("bundles");
        if (added.size() > 0) {
            out.println();
            out.printf("%-40s %-16s %s%n", "INSTALLED PLUGIN BUNDLE", "VERSION", "STATE");
            for (JsonNode b : added) {
                out.printf("%-40s %-16s %s%n", b.path("symbolicName").asText(), b.path("version").asText(), b.path("state").asText());
            }
        }
        return OK;
    }

    private int printJson(JsonNode body) {
        try {
            out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(body));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return OK;
    }

    int refused(DaemonClient.Response r) {
        err.println("rhizome: the daemon answered " + r.status() + ": " + r.body().path("message").asText(r.body().toString()));
        return REFUSED;
    }
}
