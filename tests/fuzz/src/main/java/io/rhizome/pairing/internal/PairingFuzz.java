package io.rhizome.pairing.internal;

import java.util.Arrays;
import java.util.Base64;
import java.util.List;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rhizome.fuzz.Contract;
import io.rhizome.fuzz.Target;
import io.rhizome.spi.crypto.KeyService.MeshKey;

/**
 * Pairing and mesh-update messages (CBOR maps), whose documented error is
 * {@link PairingProtocolException}. The first input byte picks: 0, a mesh update from a trusted
 * device ({@link Wire#decode} then {@link MeshUpdate#parse}, what {@code MeshInbox} does before it
 * applies anything); 1, the welcome a joiner decrypts ({@link Welcome#decode}); 2, the signed
 * announcements in a message ({@link Announcement#read}).
 */
public final class PairingFuzz implements Target {

    static final String DEVICE_A = Base64.getUrlEncoder().withoutPadding().encodeToString(fill(32, 1));
    static final String DEVICE_B = Base64.getUrlEncoder().withoutPadding().encodeToString(fill(32, 2));
    private static final Contract CONTRACT = Contract.typed(PairingProtocolException.class);

    public static void fuzzerTestOneInput(byte[] input) {
        if (input.length == 0) {
            return;
        }
        byte[] bytes = Arrays.copyOfRange(input, 1, input.length);
        switch ((input[0] & 0xFF) % 3) {
            case 0 -> CONTRACT.check(bytes, () -> MeshUpdate.parse(Wire.decode(bytes)));
            case 1 -> CONTRACT.check(bytes, () -> Welcome.decode(bytes, DEVICE_A));
            default -> CONTRACT.check(bytes, () -> Announcement.read(DEVICE_A, Wire.decode(bytes).get("announce")));
        }
    }

    private static byte[] fill(int n, int v) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) v);
        return b;
    }

    @Override
    public List<byte[]> seeds() {
        List<MeshKey> keys = List.of(new MeshKey(0, fill(32, 7)), new MeshKey(1, fill(32, 8)));
        List<Welcome.MeshMember> members = List.of(new Welcome.MeshMember(DEVICE_B, List.of("libp2p /ip4/127.0.0.1/tcp/4001")));
        ObjectNode mesh = Wire.message("mesh");
        Welcome.keys(mesh.putArray("keys"), keys);
        Welcome.members(mesh.putArray("members"), members);
        mesh.putArray("revoked").add(DEVICE_B);
        byte[] welcome = new Welcome(keys, members, List.of("libp2p /ip4/127.0.0.1/tcp/4002")).encode();
        ObjectNode ann = Wire.message("announce");
        ann.putArray("announce").addObject().put("kind", "wireguard").put("at", 1).put("sig", fill(64, 3)).putObject("values").put("k", "v");
        return List.of(prefixed(0, Wire.encode(mesh)), prefixed(1, welcome), prefixed(2, Wire.encode(ann)));
    }

    private static byte[] prefixed(int selector, byte[] bytes) {
        byte[] out = new byte[bytes.length + 1];
        out[0] = (byte) selector;
        System.arraycopy(bytes, 0, out, 1, bytes.length);
        return out;
    }
}
