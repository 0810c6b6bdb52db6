package io.rhizome.pairing.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

import org.bouncycastle.math.ec.rfc8032.Ed25519;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rhizome.spi.crypto.CryptoException;
import io.rhizome.spi.crypto.KeyService;

/**
 * What one device announced for one transport kind ({@code PeerAnnouncement}): its values, when it
 * issued them, and its Ed25519 signature over all of it with the identity key that is its device id.
 *
 * <p>Why signed: announcements are relayed (a mesh update carries every member's), and a WireGuard
 * public key binds a tunnel address to a device: a relaying device that could change another's
 * key could receive what was meant for it. With the signature it does not matter who relayed an
 * announcement; every device keeps the newest validly signed one.
 */
record Announcement(String deviceId, String kind, Map<String, String> values, long issuedAt, byte[] signature) {

    static final int MAX_VALUES = 16;
    static final int MAX_KEY = 64;
    static final int MAX_VALUE = 512;
    static final int MAX_PER_DEVICE = 8;
    private static final byte[] DOMAIN = "rhizome/peer-announcement/v1".getBytes(StandardCharsets.US_ASCII);

    Announcement(String deviceId, String kind, Map<String, String> values, long issuedAt, byte[] signature) {
        this.deviceId = deviceId;
        this.kind = kind;
        this.values = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(values));
        this.issuedAt = issuedAt;
        this.signature = signature.clone();
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }

    /** Signs {@code values} as this device's announcement for {@code kind}. */
    static Announcement sign(KeyService keys, String kind, Map<String, String> values, long issuedAt) throws CryptoException {
        String problem = problem(kind, values);
        if (problem != null) {
            throw new IllegalArgumentException("the " + kind + " transport announces " + problem);
        }
        return new Announcement(keys.deviceId(), kind, values, issuedAt, keys.signWithIdentity(signed(keys.deviceId(), kind, values, issuedAt)));
    }

    /** Whether the signature is the device's own over exactly these values. */
    boolean verified() {
        if (signature.length != Ed25519.SIGNATURE_SIZE || !DeviceIds.valid(deviceId)) {
            return false;
        }
        byte[] pk = Base64.getUrlDecoder().decode(deviceId);
        byte[] m = signed(deviceId, kind, values, issuedAt);
        return Ed25519.verify(signature, 0, pk, 0, m, 0, m.length);
    }

    /** The same values (the issue time and signature may differ). */
    boolean sameValues(Map<String, String> other) {
        return values.equals(new TreeMap<>(other));
    }

    private static byte[] signed(String deviceId, String kind, Map<String, String> values, long issuedAt) {
        ObjectNode m = Wire.message("announcement");
        m.put("d", deviceId).put("k", kind).put("at", issuedAt);
        ObjectNode v = m.putObject("v");
        new TreeMap<>(values).forEach(v::put);
        byte[] body = Wire.encode(m);
        return ByteBuffer.allocate(DOMAIN.length + body.length).put(DOMAIN).put(body).array();
    }

    /** What is wrong with an announcement's kind and values, or null. */
    static String problem(String kind, Map<String, String> values) {
        if (kind == null || kind.isEmpty() || kind.length() > MAX_KEY) {
            return "a transport kind of 1 to " + MAX_KEY + " characters, not '" + kind + "'";
        }
        if (values.size() > MAX_VALUES) {
            return values.size() + " values, more than " + MAX_VALUES;
        }
        for (Map.Entry<String, String> e : values.entrySet()) {
            if (e.getKey() == null || e.getKey().isEmpty() || e.getKey().length() > MAX_KEY || e.getValue() == null || e.getValue().length() > MAX_VALUE) {
                return "the value '" + e.getKey() + "', which is not a key of 1 to " + MAX_KEY + " characters with a text of at most " + MAX_VALUE;
            }
        }
        return null;
    }

    static void write(ArrayNode into, Iterable<Announcement> announcements) {
        for (Announcement a : announcements) {
            ObjectNode o = into.addObject().put("kind", a.kind).put("at", a.issuedAt).put("sig", a.signature);
            ObjectNode v = o.putObject("values");
            a.values.forEach(v::put);
        }
    }

    /**
     * The announcements of {@code deviceId} in {@code a} (absent: none, as from a node that
     * predates them).
     *
     * @throws PairingProtocolException for a malformed one or one whose signature is not the device's
     */
    static java.util.List<Announcement> read(String deviceId, JsonNode a) throws PairingProtocolException {
        java.util.List<Announcement> out = new java.util.ArrayList<>();
        if (a == null || a.isNull()) {
            return out;
        }
        if (!a.isArray() || a.size() > MAX_PER_DEVICE) {
            throw new PairingProtocolException("'announce' of " + deviceId + " must be a list of at most " + MAX_PER_DEVICE + " announcements");
        }
        for (JsonNode o : a) {
            Map<String, String> values = new TreeMap<>();
            JsonNode v = o.get("values");
            if (v == null || !v.isObject() || !o.path("kind").isTextual() || !o.path("at").canConvertToLong()) {
                throw new PairingProtocolException("an announcement of " + deviceId + " needs 'kind', 'at' and 'values'");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isTextual()) {
                    throw new PairingProtocolException("announced value '" + e.getKey() + "' of " + deviceId + " is not text");
                }
                values.put(e.getKey(), e.getValue().asText());
            }
            String problem = problem(o.path("kind").asText(), values);
            if (problem != null) {
                throw new PairingProtocolException("device " + deviceId + " announces " + problem);
            }
            byte[] sig;
            try {
                sig = o.path("sig").binaryValue();
            } catch (IOException e) {
                throw new PairingProtocolException("the signature of an announcement of " + deviceId + " must be bytes");
            }
            Announcement ann = new Announcement(deviceId, o.path("kind").asText(), values, o.path("at").asLong(), sig == null ? new byte[0] : sig);
            if (!ann.verified()) {
                throw new PairingProtocolException("the " + ann.kind + " announcement of " + deviceId + " is not signed by that device");
            }
            out.add(ann);
        }
        return out;
    }
}
