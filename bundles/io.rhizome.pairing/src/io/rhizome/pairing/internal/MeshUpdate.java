package io.rhizome.pairing.internal;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rhizome.spi.crypto.KeyService.MeshKey;

/**
 * A {@value Pairing#MESH_PROTOCOL} {@code mesh} message, read whole and checked before anything of
 * it is used: its mesh keys (at least one), members and revoked device ids.
 */
record MeshUpdate(List<MeshKey> keys, List<Welcome.MeshMember> members, List<String> revoked) {

    MeshUpdate {
        keys = List.copyOf(keys);
        members = List.copyOf(members);
        revoked = List.copyOf(revoked);
    }

    /** @throws PairingProtocolException naming what is malformed */
    static MeshUpdate parse(ObjectNode m) throws PairingProtocolException {
        List<MeshKey> ks = Welcome.keys(m.get("keys"));
        List<Welcome.MeshMember> members = Welcome.members(m.get("members"));
        List<String> revoked = new ArrayList<>();
        JsonNode r = m.get("revoked");
        if (r != null) {
            for (JsonNode n : r) {
                if (!DeviceIds.valid(n.asText())) {
                    throw new PairingProtocolException("'" + n.asText() + "' in 'revoked' is not a device id");
                }
                revoked.add(n.asText());
            }
        }
        return new MeshUpdate(ks, members, revoked);
    }
}
