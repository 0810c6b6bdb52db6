package io.rhizome.core.internal.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.rhizome.spi.policy.TrustedDevices;
import io.rhizome.spi.policy.TrustedDevices.DeviceAddress;

/** Whom the engine dials where and when: candidates from trust and peer records, per-address back-off. */
class DiallerTest {

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final Dialler dialler = new Dialler(now::get);
    private static final DeviceAddress DEAD = new DeviceAddress("memory", "memory:dead");
    private static final DeviceAddress LIVE = new DeviceAddress("memory", "memory:live");

    @Test
    void backOffDoublesPerAddressUpToTheMaximumAndALinkResetsIt() {
        List<DeviceAddress> only = List.of(DEAD);
        long expected = Dialler.FIRST_BACKOFF_MILLIS;
        for (int failures = 1; failures <= 10; failures++) {
            assertEquals(Optional.of(DEAD), dialler.due("X", only));
            dialler.failed("X", DEAD);
            assertEquals(expected, dialler.backoffMillis("X", DEAD));
            now.addAndGet(expected - 1);
            assertEquals(Optional.empty(), dialler.due("X", only), "not before its back-off ends (failure " + failures + ")");
            now.addAndGet(1);
            expected = Math.min(Dialler.MAX_BACKOFF_MILLIS, expected * 2);
        }
        assertEquals(Dialler.MAX_BACKOFF_MILLIS, dialler.backoffMillis("X", DEAD));
        assertEquals(0, dialler.backoffMillis("Y", DEAD), "back-off is per device and address");
        dialler.succeeded("X", DEAD);
        assertEquals(0, dialler.backoffMillis("X", DEAD));
        assertEquals(Optional.of(DEAD), dialler.due("X", only));
    }

    @Test
    void aDeadAddressThatIsAlwaysDueDoesNotStarveTheOneBehindIt() {
        List<DeviceAddress> both = List.of(DEAD, LIVE);
        assertEquals(Optional.of(DEAD), dialler.due("X", both), "the best (first) address first");
        dialler.failed("X", DEAD);
        now.addAndGet(Dialler.FIRST_BACKOFF_MILLIS);
        assertEquals(Optional.of(LIVE), dialler.due("X", both), "then one not tried yet");
        dialler.failed("X", LIVE);
        now.addAndGet(Dialler.FIRST_BACKOFF_MILLIS * 2);
        assertEquals(Optional.of(DEAD), dialler.due("X", both), "then the one whose back-off ended longest ago");
    }

    @Test
    void candidatesAreTrustedDevicesAtAnnouncedAddressesThenPeersMetBefore() {
        TrustedDevices trust = new TrustedDevices() {
            @Override
            public boolean isTrusted(String deviceId) {
                return Set.of("B", "C").contains(deviceId);
            }

            @Override
            public Set<String> trustedDeviceIds() {
                return Set.of("B", "C");
            }

            @Override
            public List<DeviceAddress> addresses(String deviceId) {
                return deviceId.equals("B") ? List.of(LIVE) : List.of();
            }
        };
        PeerRecord b = new PeerRecord("B", Map.of(), 0, 0, List.of(new PeerRecord.Address("memory", "memory:dead"),
                new PeerRecord.Address("memory", "memory:live")));
        PeerRecord d = new PeerRecord("D", Map.of(), 0, 0, List.of(new PeerRecord.Address("memory", "memory:d")));
        Map<String, List<DeviceAddress>> c = Dialler.candidates(List.of(b, d), trust);
        assertEquals(List.of(LIVE, DEAD), c.get("B"), "announced first, then the ones reached before, without duplicates");
        assertEquals(List.of(new DeviceAddress("memory", "memory:d")), c.get("D"), "devices met before are still dialled");
        assertEquals(false, c.containsKey("C"), "a trusted device without addresses is not a candidate");
        assertEquals(Map.of(), Dialler.candidates(List.of(), id -> false), "nothing known, nothing dialled");
    }

    @Test
    void deviceAddressesParseFromTheTrustedPeerForm() {
        assertEquals(Optional.of(new DeviceAddress("libp2p", "/ip4/127.0.0.1/tcp/1/p2p/x")),
                DeviceAddress.parse("libp2p /ip4/127.0.0.1/tcp/1/p2p/x"));
        assertEquals(Optional.empty(), DeviceAddress.parse("no-space"));
        assertEquals(Optional.empty(), DeviceAddress.parse(" leading"));
        assertEquals(Optional.empty(), DeviceAddress.parse("trailing "));
        assertEquals(Optional.empty(), DeviceAddress.parse(null));
    }
}
