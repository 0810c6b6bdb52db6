package io.rhizome.transport.wireguard.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet6Address;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.rhizome.transport.wireguard.internal.MeshAddresses;

/** Tunnel addresses: a ULA /64 per mesh, one address per device, the same plan on every member, collisions resolved. */
class MeshAddressesTest {

    @Test
    void aMeshGetsAUniqueLocalSlash64AndEachDeviceAnAddressInIt() {
        MeshAddresses mesh = new MeshAddresses("mesh-1");
        Inet6Address prefix = mesh.prefix();
        assertEquals((byte) 0xfd, prefix.getAddress()[0], "a unique-local prefix (RFC 4193) starts with fd");
        for (int i = 8; i < 16; i++) {
            assertEquals(0, prefix.getAddress()[i], "the prefix is a /64");
        }
        Inet6Address a = mesh.candidate("device-a", 0);
        assertTrue(mesh.contains(a));
        assertEquals(a, new MeshAddresses("mesh-1").candidate("device-a", 0), "derived, so every device computes the same");
        assertNotEquals(prefix, new MeshAddresses("mesh-2").prefix(), "another mesh, another prefix");
        assertTrue(!new MeshAddresses("mesh-2").contains(a));
        assertNotEquals(a, mesh.candidate("device-b", 0));
    }

    @Test
    void thePlanIsTheSameWhateverOrderTheMembersAreKnownIn() {
        MeshAddresses mesh = new MeshAddresses("mesh-1");
        List<String> members = new ArrayList<>(List.of("d1", "d2", "d3", "d4", "d5"));
        Map<String, Inet6Address> plan = mesh.assign(members);
        Collections.reverse(members);
        assertEquals(plan, mesh.assign(members));
        assertEquals(5, new HashSet<>(plan.values()).size());
    }

    @Test
    void collisionsAreResolvedDeterministicallyAndAFullSpaceIsRefused() throws Exception {
        // 4 interface-id bits: 16 slots, minus the all-zero one; 12 devices must collide somewhere
        MeshAddresses small = narrow("mesh-1", 4);
        List<String> members = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            members.add("device-" + i);
        }
        boolean collided = false;
        HashSet<Inet6Address> first = new HashSet<>();
        for (String m : members) {
            collided |= !first.add(small.candidate(m, 0));
        }
        assertTrue(collided, "the test setup forces at least one collision of first candidates");
        Map<String, Inet6Address> plan = small.assign(members);
        assertEquals(12, new HashSet<>(plan.values()).size(), "every device has its own address");
        for (Inet6Address a : plan.values()) {
            assertTrue(a.getAddress()[15] != 0 || a.getAddress()[14] != 0, "the all-zero interface id (subnet-router anycast) is never given");
        }
        Collections.shuffle(members, new java.util.Random(3));
        assertEquals(plan, small.assign(members), "the same plan on every member");

        List<String> tooMany = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            tooMany.add("device-" + i);
        }
        IllegalStateException full = assertThrows(IllegalStateException.class, () -> small.assign(tooMany));
        assertTrue(full.getMessage().contains("no free tunnel address for device"), full.getMessage());
        IllegalArgumentException noMesh = assertThrows(IllegalArgumentException.class, () -> new MeshAddresses(" "));
        assertTrue(noMesh.getMessage().contains("mesh id"), noMesh.getMessage());
    }

    private static MeshAddresses narrow(String mesh, int bits) {
        return new MeshAddresses(mesh, bits);
    }
}
