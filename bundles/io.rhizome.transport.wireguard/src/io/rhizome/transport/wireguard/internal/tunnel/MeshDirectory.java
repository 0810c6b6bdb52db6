package io.rhizome.transport.wireguard.internal.tunnel;

import java.net.InetAddress;
import java.util.Optional;

/**
 * Who is who inside the tunnel: the device bound to a tunnel address. The mesh manager keeps it
 * in step with the WireGuard peers it configures, each peer's allowed IPs being exactly its
 * device's address, so WireGuard's cryptokey routing guarantees that a packet from address X came
 * through the key of the device that owns X. That is the whole authentication of the tunnel
 * transport: the address a connection comes from names the device, and no device can send from
 * another's address.
 *
 * <p>Thread-safe; implementations answer from memory.
 */
public interface MeshDirectory {

    /** The device whose tunnel address is {@code address}, if it is a member. */
    Optional<String> deviceAt(InetAddress address);
}
