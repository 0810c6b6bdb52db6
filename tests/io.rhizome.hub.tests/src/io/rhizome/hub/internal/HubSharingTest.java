package io.rhizome.hub.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;

import io.rhizome.api.CloudService;
import io.rhizome.spi.policy.TrustedDevices;
import io.rhizome.spi.store.MetadataOwner;
import io.rhizome.spi.store.MetadataSpace;
import io.rhizome.spi.store.MetadataUpdate;

/**
 * Hubs learned through the mesh ({@link HubSharing}, {@link HubRecord}): a hub a trusted device
 * announces is added once; one removed here stays removed; a malformed record adds nothing; a hub
 * that refuses this device for now is tried again; what this device announces never holds a
 * claim code. (With real daemons: {@code NodeHubTest}.)
 */
class HubSharingTest {

    private static final String HUB = "12D3KooWHubHubHubHubHubHubHubHubHubHubHubHubHubHub";
    private static final String ADDR = "/ip4/127.0.0.1/tcp/4002/p2p/" + HUB;
    private static final String A = "device-a";
    private static final String SELF = "device-b";

    private final Clouds clouds = new Clouds();
    private final Mesh mesh = new Mesh();
    private final Space space = new Space();
    private final HubSharing sharing = new HubSharing(() -> clouds, () -> List.of(mesh), space, SELF);

    @Test
    void aHubATrustedDeviceUsesIsAddedOnceAndItsRemovalHereStands() throws Exception {
        mesh.announced.put(A, Map.of("format", "1", HUB, ADDR));
        sharing.check();
        assertEquals(List.of(ADDR), clouds.locations(), "added from A's record");
        assertEquals(Map.of("format", "1", HUB, ADDR), sharing.announcement(), "and announced on");
        sharing.check();
        assertEquals(1, clouds.added, "not added twice");
        clouds.remove(clouds.clouds().get(0).id());
        sharing.check();
        sharing.check();
        assertEquals(List.of(), clouds.locations(), "removed here: not added again from A's record");
        assertEquals(Map.of("format", "1"), sharing.announcement(), "no hub announced, but a record that replaces the older one");
    }

    @Test
    void aClaimCodeIsNeverAnnounced() throws Exception {
        clouds.add("hub", ADDR + "#RZH-ABCD-EFGH-JKMN");
        sharing.check();
        assertEquals(Map.of("format", "1", HUB, ADDR), sharing.announcement());
        assertTrue(space.map.containsKey(HubSharing.KNOWN + HUB), "a hub used here is remembered");
    }

    @Test
    void aMalformedRecordIsRefusedWholeAndAddsNothing() throws Exception {
        String other = "12D3KooWXtherXtherXtherXtherXtherXtherXtherXtherXther";
        for (Map<String, String> bad : List.of(
                Map.of(HUB, ADDR), // no format
                Map.of("format", "2", HUB, ADDR),
                Map.of("format", "1", "not a peer id", ADDR),
                Map.of("format", "1", HUB, "/ip4/127.0.0.1/tcp/4002/p2p/" + other), // another hub's address under this id
                Map.of("format", "1", HUB, ADDR + " /ip4/127.0.0.1/tcp/4002"),
                Map.of("format", "1", other, "/ip4/127.0.0.1/tcp/1/p2p/" + other, HUB, "nonsense"))) {
            mesh.announced.put(A, bad);
            sharing.check();
            assertEquals(List.of(), clouds.locations(), "nothing added from " + bad);
            assertTrue(space.map.isEmpty(), "nothing remembered from " + bad);
            assertThrows(IllegalArgumentException.class, () -> HubRecord.parse(A, bad));
        }
    }

    @Test
    void aHubThatRefusesThisDeviceForNowIsTriedAgain() throws Exception {
        mesh.announced.put(A, Map.of("format", "1", HUB, ADDR));
        clouds.refuse = "the hub does not know device device-b";
        sharing.check();
        assertEquals(List.of(), clouds.locations());
        assertTrue(space.map.isEmpty(), "not remembered: it was never used here");
        clouds.refuse = null;
        sharing.check();
        assertEquals(List.of(ADDR), clouds.locations());
    }

    @Test
    void onlyTrustedDevicesCount() throws Exception {
        mesh.announced.put("stranger", Map.of("format", "1", HUB, ADDR));
        sharing.check();
        assertEquals(List.of(), clouds.locations());
    }

    /** A cloud service holding clouds in memory. */
    private static final class Clouds implements CloudService {
        final List<Cloud> clouds = new ArrayList<>();
        int added;
        String refuse;

        List<String> locations() {
            return clouds.stream().map(Cloud::location).toList();
        }

        @Override
        public List<Cloud> clouds() {
            return List.copyOf(clouds);
        }

        @Override
        public Cloud add(String kind, String location) {
            if (refuse != null) {
                throw new IllegalArgumentException(refuse);
            }
            Cloud c = new Cloud("hub-" + added++, kind, location, 0, Optional.empty(), List.of());
            clouds.add(c);
            return c;
        }

        @Override
        public SignIn signIn(String kind, String location) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<SignIn> signInStatus(String id) {
            return Optional.empty();
        }

        @Override
        public Optional<Cloud> remove(String id) {
            Optional<Cloud> c = clouds.stream().filter(x -> x.id().equals(id)).findFirst();
            c.ifPresent(clouds::remove);
            return c;
        }
    }

    /** A mesh of one trusted device, A. */
    private static final class Mesh implements TrustedDevices {
        final Map<String, Map<String, String>> announced = new ConcurrentHashMap<>();

        @Override
        public boolean isTrusted(String deviceId) {
            return deviceId.equals(A);
        }

        @Override
        public Set<String> trustedDeviceIds() {
            return Set.of(A);
        }

        @Override
        public Map<String, String> announcement(String deviceId, String kind) {
            return isTrusted(deviceId) && kind.equals(HubRecord.KIND) ? announced.getOrDefault(deviceId, Map.of()) : Map.of();
        }
    }

    private static final class Space implements MetadataSpace {
        final SortedMap<String, byte[]> map = new TreeMap<>();

        @Override
        public MetadataOwner owner() {
            return MetadataOwner.bundle("io.rhizome.hub");
        }

        @Override
        public Optional<byte[]> get(String key) {
            return Optional.ofNullable(map.get(key));
        }

        @Override
        public SortedMap<String, byte[]> scan(String prefix) {
            return new TreeMap<>(map.tailMap(prefix));
        }

        @Override
        public void update(MetadataUpdate update) {
            update.changes().forEach((k, v) -> {
                if (v.isPresent()) {
                    map.put(k, v.get());
                } else {
                    map.remove(k);
                }
            });
        }
    }
}
