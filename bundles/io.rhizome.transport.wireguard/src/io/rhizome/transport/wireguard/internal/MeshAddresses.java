package io.rhizome.transport.wireguard.internal;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Tunnel addresses of a mesh, computed by every member alike so that nobody hands them out: the
 * mesh gets an IPv6 unique-local /64 (RFC 4193: {@code fd} + 40-bit global id + 16-bit subnet, all
 * from a hash of the mesh id), each device an interface id from a hash of mesh id and device id.
 *
 * <p>Collisions are checked, not assumed away: {@link #assign} walks the members in device-id
 * order and gives a device whose candidate is taken (or reserved: all zeros, the RFC 5453 anycast
 * ids) its next candidate. Every member computing the plan from the same member list gets the same
 * addresses. The {@code interfaceIdBits} knob exists so tests can force collisions; nodes use 64.
 */
public final class MeshAddresses {

    public static final int PREFIX_LENGTH = 64;

    /** Bound on candidates per device; reached only when the id space is nearly full. */
    private static final int MAX_ATTEMPTS = 1024;

    private final String meshId;
    private final byte[] prefix;
    private final int interfaceIdBits;

    public MeshAddresses(String meshId) {
        this(meshId, 64);
    }

    public MeshAddresses(String meshId, int interfaceIdBits) {
        if (meshId == null || meshId.isBlank()) {
            throw new IllegalArgumentException("a mesh id is needed to derive tunnel addresses");
        }
        if (interfaceIdBits < 2 || interfaceIdBits > 64) {
            throw new IllegalArgumentException("interface id bits are 2..64, not " + interfaceIdBits);
        }
        this.meshId = meshId;
        this.interfaceIdBits = interfaceIdBits;
        byte[] h = sha256("rhizome/wireguard/mesh-prefix\0" + meshId);
        prefix = new byte[8];
        prefix[0] = (byte) 0xfd;
        System.arraycopy(h, 0, prefix, 1, 7); // 40-bit global id + 16-bit subnet id
    }

    /** The mesh's /64, e.g. {@code fd3c:9a1e:77b0:12f4::}. */
    public Inet6Address prefix() {
        byte[] a = new byte[16];
        System.arraycopy(prefix, 0, a, 0, 8);
        return toAddress(a);
    }

    /** Whether {@code address} lies inside this mesh's /64. */
    public boolean contains(InetAddress address) {
        byte[] a = address.getAddress();
        if (a.length != 16) {
            return false;
        }
        for (int i = 0; i < 8; i++) {
            if (a[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** The {@code attempt}-th candidate address of a device (0 first). */
    public Inet6Address candidate(String deviceId, int attempt) {
        byte[] h = sha256("rhizome/wireguard/device\0" + meshId + "\0" + deviceId + "\0" + attempt);
        long iid = 0;
        for (int i = 0; i < 8; i++) {
            iid = (iid << 8) | (h[i] & 0xff);
        }
        if (interfaceIdBits < 64) {
            iid &= (1L << interfaceIdBits) - 1;
        }
        byte[] a = new byte[16];
        System.arraycopy(prefix, 0, a, 0, 8);
        for (int i = 0; i < 8; i++) {
            a[15 - i] = (byte) (iid >>> (8 * i));
        }
        return toAddress(a);
    }

    /**
     * The address of every member, collision-free, the same on every device that knows the same
     * members. Throws when no free candidate is found within the bound (a mesh far too large for
     * the address space), naming the device.
     */
    public Map<String, Inet6Address> assign(Collection<String> deviceIds) {
        Map<String, Inet6Address> plan = new LinkedHashMap<>();
        Set<Inet6Address> taken = new HashSet<>();
        for (String device : new TreeSet<>(deviceIds)) {
            Inet6Address chosen = null;
            for (int attempt = 0; attempt < MAX_ATTEMPTS && chosen == null; attempt++) {
                Inet6Address c = candidate(device, attempt);
                if (!reserved(c) && !taken.contains(c)) {
                    chosen = c;
                }
            }
            if (chosen == null) {
                throw new IllegalStateException("no free tunnel address for device " + device + " in mesh " + meshId
                        + " after " + MAX_ATTEMPTS + " candidates (" + plan.size() + " devices placed)");
            }
            taken.add(chosen);
            plan.put(device, chosen);
        }
        return plan;
    }

    /** Interface ids a device must not take: the subnet-router anycast (all zeros) and RFC 5453's reserved range. */
    static boolean reserved(Inet6Address address) {
        byte[] a = address.getAddress();
        boolean zero = true;
        for (int i = 8; i < 16; i++) {
            zero &= a[i] == 0;
        }
        boolean anycast = (a[8] & 0xff) == 0xfd && allFf(a, 9, 15) && (a[15] & 0xff) >= 0x80;
        return zero || anycast;
    }

    private static boolean allFf(byte[] a, int from, int to) {
        for (int i = from; i < to; i++) {
            if ((a[i] & 0xff) != 0xff) {
                return false;
            }
        }
        return true;
    }

    private static Inet6Address toAddress(byte[] a) {
        try {
            return (Inet6Address) InetAddress.getByAddress(a);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
