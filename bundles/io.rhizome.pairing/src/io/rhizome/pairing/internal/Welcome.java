package io.rhizome.pairing.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rhizome.spi.crypto.KeyService.MeshKey;

/**
 * What the inviter hands the joiner once the PAKE succeeded (sealed under the session key): every
 * mesh key, the other trusted devices of the mesh, and where the inviter listens.
 */
record Welcome(List<MeshKey> keys, List<MeshMember> members, List<String> addresses, List<Announcement> announcements) {

    Welcome(List<MeshKey> keys, List<MeshMember> members, List<String> addresses) {
        this(keys, members, addresses, List.of());
    }

    /**
     * A trusted device of the mesh, where it was last reachable ({@code kind address}) and what its
     * transports announced (signed by it; {@code "announce"}, absent from older nodes, which ignore it).
     */
    record MeshMember(String deviceId, List<String> addresses, List<Announcement> announcements) {
        MeshMember(String deviceId, List<String> addresses) {
            this(deviceId, addresses, List.of());
        }
    }

    byte[] encode() {
        ObjectNode m = Wire.message("welcome");
        keys(m.putArray("keys"), keys);
        members(m.putArray("members"), members);
        strings(m.putArray("addresses"), addresses);
        if (!announcements.isEmpty()) {
            Announcement.write(m.putArray("announce"), announcements);
        }
        return Wire.encode(m);
    }

    /** @param inviter the device whose welcome this is (its own announcements are checked against it) */
    static Welcome decode(byte[] bytes, String inviter) throws PairingProtocolException {
        ObjectNode m = Wire.decode(bytes);
        return new Welcome(keys(m.get("keys")), members(m.get("members")), strings(m.get("addresses")), Announcement.read(inviter, m.get("announce")));
    }

    static void keys(ArrayNode into, List<MeshKey> keys) {
        for (MeshKey key : keys) {
            into.addObject().put("epoch", key.epoch()).put("key", key.key());
        }
    }

    static void members(ArrayNode into, List<MeshMember> members) {
        for (MeshMember mm : members) {
            ObjectNode o = into.addObject().put("deviceId", mm.deviceId());
            strings(o.putArray("addresses"), mm.addresses());
            if (!mm.announcements().isEmpty()) {
                Announcement.write(o.putArray("announce"), mm.announcements());
            }
        }
    }

    static List<MeshMember> members(JsonNode a) throws PairingProtocolException {
        List<MeshMember> out = new ArrayList<>();
        if (a == null) {
            return out;
        }
        if (!a.isArray() || a.size() > 1000) {
            throw new PairingProtocolException("'members' must be a list of at most 1000 devices");
        }
        for (JsonNode o : a) {
            String id = o.path("deviceId").asText("");
            if (!DeviceIds.valid(id)) {
                throw new PairingProtocolException("'" + id + "' is not a device id");
            }
            out.add(new MeshMember(id, strings(o.get("addresses")), Announcement.read(id, o.get("announce"))));
        }
        return out;
    }

    static List<MeshKey> keys(JsonNode a) throws PairingProtocolException {
        if (a == null || !a.isArray() || a.size() == 0 || a.size() > 10_000) {
            throw new PairingProtocolException("'keys' must be a non-empty list of mesh keys");
        }
        List<MeshKey> out = new ArrayList<>();
        for (JsonNode o : a) {
            try {
                out.add(new MeshKey(o.path("epoch").asLong(-1), o.path("key").binaryValue()));
            } catch (IOException | IllegalArgumentException | NullPointerException e) {
                throw new PairingProtocolException("malformed mesh key: " + e.getMessage());
            }
        }
        return out;
    }

    static void strings(ArrayNode into, List<String> values) {
        values.forEach(into::add);
    }

    static List<String> strings(JsonNode a) throws PairingProtocolException {
        List<String> out = new ArrayList<>();
        if (a == null) {
            return out;
        }
        if (!a.isArray() || a.size() > 64) {
            throw new PairingProtocolException("'addresses' must be a list of at most 64 addresses");
        }
        for (JsonNode s : a) {
            if (!s.isTextual() || s.asText().length() > 512) {
                throw new PairingProtocolException("an address must be text of at most 512 characters");
            }
            out.add(s.asText());
        }
        return out;
    }
}
