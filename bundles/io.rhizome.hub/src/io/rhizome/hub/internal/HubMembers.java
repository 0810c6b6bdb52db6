package io.rhizome.hub.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Collection;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import io.rhizome.spi.store.MetadataSpace;
import io.rhizome.spi.store.MetadataUpdate;
import io.rhizome.spi.store.StoreException;

/**
 * Whom the hub serves. A new hub has a one-time <em>claim code</em>; the first device that
 * presents it (over a channel the transport authenticated as that device) becomes trusted, with
 * the members it names. From then on any trusted device may tell the hub of new members and of
 * revocations — as mesh updates between devices work — and a revocation wins: a device the hub
 * knows as revoked is never trusted again, and is refused at once. Kept in the hub's metadata
 * space ({@code m/...}), mirrored in memory; every change is durable before it takes effect.
 */
public final class HubMembers {

    private static final String ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    private final MetadataSpace space;
    private final Set<String> trusted = new TreeSet<>();
    private final Set<String> revoked = new TreeSet<>();
    private volatile Optional<String> claimCode;

    public HubMembers(MetadataSpace space, SecureRandom random) throws StoreException {
        this.space = space;
        space.scan("m/trusted/").keySet().forEach(k -> trusted.add(k.substring("m/trusted/".length())));
        space.scan("m/revoked/").keySet().forEach(k -> revoked.add(k.substring("m/revoked/".length())));
        Optional<byte[]> code = space.get("m/claim");
        if (code.isPresent()) {
            claimCode = Optional.of(new String(code.get(), StandardCharsets.US_ASCII)).filter(c -> !c.equals("claimed"));
        } else {
            StringBuilder c = new StringBuilder("RZH-");
            for (int i = 0; i < 12; i++) {
                c.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
                if (i % 4 == 3 && i < 11) {
                    c.append('-');
                }
            }
            space.put("m/claim", c.toString().getBytes(StandardCharsets.US_ASCII));
            claimCode = Optional.of(c.toString());
        }
    }

    /** The code that claims this hub, until a device claimed it. */
    public Optional<String> claimCode() {
        return claimCode;
    }

    public synchronized boolean isTrusted(String deviceId) {
        return trusted.contains(deviceId) && !revoked.contains(deviceId);
    }

    public synchronized boolean isRevoked(String deviceId) {
        return revoked.contains(deviceId);
    }

    public synchronized int revokedCount() {
        return revoked.size();
    }

    public synchronized Set<String> trusted() {
        return Set.copyOf(trusted);
    }

    /**
     * Claims the hub: {@code by} presents {@code code}; right, and unclaimed, it becomes trusted with
     * {@code members}. Compared in constant time; a wrong code changes nothing.
     */
    public synchronized boolean claim(String by, String code, Collection<String> members) throws StoreException {
        Optional<String> expected = claimCode;
        if (expected.isEmpty() || revoked.contains(by)
                || !MessageDigest.isEqual(normal(expected.get()).getBytes(StandardCharsets.US_ASCII), normal(code).getBytes(StandardCharsets.US_ASCII))) {
            return false;
        }
        MetadataUpdate.Builder u = MetadataUpdate.builder().put("m/claim", "claimed".getBytes(StandardCharsets.US_ASCII));
        Set<String> add = new TreeSet<>(members);
        add.add(by);
        add.removeAll(revoked);
        add.forEach(id -> u.put("m/trusted/" + id, new byte[] {1}));
        space.update(u.build());
        trusted.addAll(add);
        claimCode = Optional.empty();
        return true;
    }

    /** A trusted device's view of the mesh: members to add, devices revoked (revocation wins). */
    public synchronized void update(Collection<String> members, Collection<String> revocations) throws StoreException {
        MetadataUpdate.Builder u = MetadataUpdate.builder();
        Set<String> newRevoked = new TreeSet<>(revocations);
        newRevoked.removeAll(revoked);
        Set<String> newTrusted = new TreeSet<>(members);
        newTrusted.removeAll(trusted);
        newTrusted.removeAll(revoked);
        newTrusted.removeAll(newRevoked);
        if (newRevoked.isEmpty() && newTrusted.isEmpty()) {
            return;
        }
        newRevoked.forEach(id -> u.put("m/revoked/" + id, new byte[] {1}).delete("m/trusted/" + id));
        newTrusted.forEach(id -> u.put("m/trusted/" + id, new byte[] {1}));
        space.update(u.build());
        revoked.addAll(newRevoked);
        trusted.removeAll(newRevoked);
        trusted.addAll(newTrusted);
    }

    /**
     * Accepts {@code counter} from {@code deviceId} only if it is above every one it used before,
     * and remembers it: a signed request cannot be replayed.
     */
    public synchronized boolean advance(String deviceId, long counter) throws StoreException {
        String key = "m/counter/" + deviceId;
        long last = space.get(key).map(b -> ByteBuffer.wrap(b).getLong()).orElse(Long.MIN_VALUE);
        if (counter <= last) {
            return false;
        }
        space.put(key, ByteBuffer.allocate(8).putLong(counter).array());
        return true;
    }

    private static String normal(String code) {
        return code.toUpperCase(java.util.Locale.ROOT).replace("-", "").replace('I', '1').replace('L', '1').replace('O', '0');
    }
}
