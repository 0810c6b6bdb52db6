package io.rhizome.transport.wireguard.internal;

import java.io.IOException;
import java.net.Inet6Address;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.transport.wireguard.internal.uapi.DeviceState;
import io.rhizome.transport.wireguard.internal.uapi.PeerConfig;
import io.rhizome.transport.wireguard.internal.uapi.UapiClient;
import io.rhizome.transport.wireguard.internal.uapi.UapiText;
import io.rhizome.transport.wireguard.internal.uapi.WgKey;

/**
 * One WireGuard interface this node drives: a {@code wireguard-go} process it started (or found
 * still running from an earlier run of the node, which it adopts and reconfigures), configured
 * through the UAPI socket, with its tunnel address and link state set through {@code ip}.
 *
 * <p>Why adopt: the implementation daemon outlives a node killed with {@code kill -9}; starting a
 * second one for the same name fails, and tearing the first down would cut every tunnel for
 * nothing. The configuration is replaced whole on {@link #up}, so nothing of the earlier run
 * survives but the interface itself.
 *
 * <p>Needs CAP_NET_ADMIN and {@code /dev/net/tun} (see {@link WireGuardAvailability}). Thread-safe
 * through the UAPI client; {@link #close} takes the interface down and is idempotent.
 */
public final class WireGuardInterface implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WireGuardInterface.class);

    private final InterfaceSettings settings;
    private final CommandRunner commands;
    private final UapiClient uapi;
    private final Process process;
    private volatile boolean closed;

    private WireGuardInterface(InterfaceSettings settings, CommandRunner commands, Process process) {
        this.settings = settings;
        this.commands = commands;
        this.process = process;
        this.uapi = new UapiClient(settings.socket(), settings.timeout());
    }

    /**
     * Brings the interface up: starts the implementation unless one answers on the socket already,
     * sets the private key and listen port and drops every peer, adds {@code address/64} and sets
     * the link up. On failure nothing is left running.
     */
    public static WireGuardInterface up(InterfaceSettings settings, CommandRunner commands, WgKey privateKey, int listenPort,
            Inet6Address address) throws IOException {
        if (listenPort < 0 || listenPort > 65_535) {
            throw new IllegalArgumentException("the WireGuard listen port is 0..65535, not " + listenPort);
        }
        UapiClient probe = new UapiClient(settings.socket(), settings.timeout());
        Process started = null;
        if (answers(probe)) {
            LOG.info("WireGuard interface {}: adopting the implementation already answering on {}", settings.name(), settings.socket());
        } else {
            // a socket file nobody answers on is left from a daemon that died; the new one needs the path
            Files.deleteIfExists(settings.socket());
            started = commands.start(List.of(settings.wireguardGo().toString(), "-f", settings.name()), settings.logFile().toFile());
            awaitSocket(settings, probe, started);
        }
        WireGuardInterface wg = new WireGuardInterface(settings, commands, started);
        try {
            wg.uapi.set(List.of("private_key=" + privateKey.hex(), "listen_port=" + listenPort, "replace_peers=true"));
            // Linux drops IPv6 addresses when a link goes down; the tunnel address must survive an
            // operator's (or a suspend's) link down/up, or the sync listener would be bound to nothing
            commands.run(List.of("sysctl", "-q", "-w", "net.ipv6.conf." + settings.name() + ".keep_addr_on_down=1"));
            // nodad: duplicate address detection means nothing on a WireGuard link (addresses are
            // derived and collision-checked), and while it runs the address is tentative, so the
            // sync listener's bind would fail with "cannot assign requested address"
            commands.run(List.of("ip", "-6", "address", "replace", UapiText.format(address) + "/" + MeshAddresses.PREFIX_LENGTH,
                    "dev", settings.name(), "nodad"));
            commands.run(List.of("ip", "link", "set", settings.name(), "up"));
        } catch (IOException | RuntimeException e) {
            wg.close();
            throw e;
        }
        LOG.info("WireGuard interface {} up: public key {}, UDP port {}, address {}", settings.name(), privateKey.publicKey(),
                wg.state().listenPort(), UapiText.format(address));
        return wg;
    }

    private static boolean answers(UapiClient probe) {
        if (!Files.exists(probe.socket())) {
            return false;
        }
        try {
            probe.get();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void awaitSocket(InterfaceSettings settings, UapiClient probe, Process started) throws IOException {
        long deadline = System.nanoTime() + settings.timeout().toNanos();
        while (!answers(probe)) {
            if (!started.isAlive()) {
                throw new IOException("wireguard-go for interface " + settings.name() + " exited with code " + started.exitValue()
                        + " before its UAPI socket " + settings.socket() + " answered: " + tail(settings));
            }
            if (System.nanoTime() > deadline) {
                started.destroyForcibly();
                throw new IOException("wireguard-go for interface " + settings.name() + " did not answer on " + settings.socket()
                        + " within " + settings.timeout().toMillis() + " ms: " + tail(settings));
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                started.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for wireguard-go to start", e);
            }
        }
    }

    private static String tail(InterfaceSettings settings) {
        try {
            String log = Files.readString(settings.logFile());
            return log.length() > 2000 ? log.substring(log.length() - 2000) : log.strip();
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }

    public String name() {
        return settings.name();
    }

    public UapiClient uapi() {
        return uapi;
    }

    /** The interface's current state: listen port, per peer endpoint, handshake, bytes. */
    public DeviceState state() throws IOException {
        return uapi.get();
    }

    public void putPeer(PeerConfig peer) throws IOException {
        uapi.putPeer(peer);
    }

    public void removePeer(WgKey publicKey) throws IOException {
        uapi.removePeer(publicKey);
    }

    /** Sets the link down or up, as an operator would with {@code ip link set}. */
    public void link(boolean up) throws IOException {
        commands.run(List.of("ip", "link", "set", settings.name(), up ? "up" : "down"));
    }

    /**
     * Deletes the interface (the implementation exits when its device goes) and stops the process
     * this node started, bounded. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            commands.run(List.of("ip", "link", "delete", settings.name()));
        } catch (IOException e) {
            LOG.warn("WireGuard interface {}: deleting the link failed: {}", settings.name(), e.getMessage());
        }
        if (process != null) {
            try {
                if (!process.waitFor(settings.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroy();
                    if (!process.waitFor(Duration.ofSeconds(5).toMillis(), TimeUnit.MILLISECONDS)) {
                        process.destroyForcibly();
                    }
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        try {
            Files.deleteIfExists(settings.socket());
        } catch (IOException e) {
            LOG.debug("WireGuard interface {}: socket {} not removed: {}", settings.name(), settings.socket(), e.getMessage());
        }
        LOG.info("WireGuard interface {} down", settings.name());
    }
}
