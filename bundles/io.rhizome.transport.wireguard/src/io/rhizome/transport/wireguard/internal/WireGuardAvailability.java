package io.rhizome.transport.wireguard.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Whether this process can run a WireGuard interface, and if not, the sentence that says why: the
 * transport reports it (plugin registry, {@code status}) instead of failing later with a tool's
 * error. What it needs: {@code /dev/net/tun} readable and writable, the {@code wireguard-go} binary,
 * {@code ip} (iproute2) and CAP_NET_ADMIN in the effective capability set.
 */
public final class WireGuardAvailability {

    /** CAP_NET_ADMIN's bit in the capability sets of {@code /proc/self/status}. */
    static final int CAP_NET_ADMIN = 12;

    private WireGuardAvailability() {
    }

    /**
     * Empty when everything is there, else every missing prerequisite, one clause each, joined by
     * {@code "; "} — so a user fixing one is not sent back for the next.
     */
    public static Optional<String> check(Path wireguardGo, Path tunDevice, Path procStatus) {
        List<String> missing = new ArrayList<>();
        if (!Files.exists(tunDevice)) {
            missing.add(tunDevice + " does not exist (load the tun module, or give the container the device)");
        } else if (!Files.isReadable(tunDevice) || !Files.isWritable(tunDevice)) {
            missing.add(tunDevice + " is not readable and writable by this process");
        }
        if (!Files.isExecutable(wireguardGo)) {
            missing.add(wireguardGo + " is not an executable file (install wireguard-go, e.g. apt-get install wireguard-go, "
                    + "or set wg.wireguardGo)");
        }
        if (!onPath("ip")) {
            missing.add("ip (iproute2) is not on the PATH");
        }
        try {
            Optional<Boolean> netAdmin = hasCapability(Files.readString(procStatus), CAP_NET_ADMIN);
            if (netAdmin.isPresent() && !netAdmin.get()) {
                missing.add("this process lacks CAP_NET_ADMIN (run the node as root, or grant it with "
                        + "setcap cap_net_admin+ep on the java binary, or AmbientCapabilities=CAP_NET_ADMIN in its systemd unit)");
            }
        } catch (IOException e) {
            missing.add("cannot read " + procStatus + " to check CAP_NET_ADMIN: " + e.getMessage());
        }
        return missing.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", missing));
    }

    public static Optional<String> check(Path wireguardGo) {
        return check(wireguardGo, Path.of("/dev/net/tun"), Path.of("/proc/self/status"));
    }

    /** The bit of the {@code CapEff:} line of a {@code /proc/<pid>/status} text; empty if it has none. */
    static Optional<Boolean> hasCapability(String procStatus, int bit) {
        for (String line : procStatus.split("\n")) {
            if (line.startsWith("CapEff:")) {
                long caps = Long.parseUnsignedLong(line.substring("CapEff:".length()).strip(), 16);
                return Optional.of((caps & (1L << bit)) != 0);
            }
        }
        return Optional.empty();
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
