package io.rhizome.transport.wireguard.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How a WireGuard interface is brought up.
 *
 * @param name interface name (1..15 of letters, digits, {@code _ = + . -}, as Linux allows)
 * @param wireguardGo the userspace implementation to run
 * @param socketDirectory where implementations put their UAPI sockets ({@code /var/run/wireguard})
 * @param logFile where the implementation's own output goes
 * @param timeout bound on each tool run, each UAPI exchange and the wait for the socket
 */
public record InterfaceSettings(String name, Path wireguardGo, Path socketDirectory, Path logFile, Duration timeout) {

    public static final Path DEFAULT_SOCKET_DIRECTORY = Path.of("/var/run/wireguard");
    public static final Path DEFAULT_WIREGUARD_GO = Path.of("/usr/bin/wireguard-go");

    public InterfaceSettings {
        Objects.requireNonNull(name, "name");
        if (!validName(name)) {
            throw new IllegalArgumentException("a WireGuard interface name is 1 to 15 letters, digits or _=+.- (not . or ..): " + name);
        }
        Objects.requireNonNull(wireguardGo, "wireguardGo");
        Objects.requireNonNull(socketDirectory, "socketDirectory");
        Objects.requireNonNull(logFile, "logFile");
        Objects.requireNonNull(timeout, "timeout");
    }

    public static boolean validName(String name) {
        return name.matches("[A-Za-z0-9_=+.-]{1,15}") && !name.equals(".") && !name.equals("..");
    }

    public Path socket() {
        return socketDirectory.resolve(name + ".sock");
    }
}
