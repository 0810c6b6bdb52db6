package io.rhizome.transport.libp2p.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Properties;

import org.junit.jupiter.api.Test;

import io.rhizome.transport.libp2p.internal.Libp2pSettings;
import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;
import io.rhizome.transport.libp2p.internal.relay.RelayLimits;
import io.rhizome.transport.libp2p.internal.relay.RelayNodeSettings;

/** {@code p2p.relays} on devices and the {@code relay.*} settings of {@code rhizome relay}, parsed strictly. */
class RelaySettingsTest {

    private static final String ID = "12D3KooWPNm9r3BZCqTJMQG3MkQRSuNoN7B5qHTZZUxuZixgaV3t";

    @Test
    void relaysAreDialableAddressesEndingInThePeerId() {
        assertEquals(List.of(), Libp2pSettings.parseRelays(" "));
        assertEquals(List.of(Multiaddr.parse("/dns4/relay.example.org/tcp/4001/p2p/" + ID), Multiaddr.parse("/ip4/10.0.0.1/tcp/4001/p2p/" + ID)),
                Libp2pSettings.parseRelays("/dns4/relay.example.org/tcp/4001/p2p/" + ID + ", /ip4/10.0.0.1/tcp/4001/p2p/" + ID));
        for (String[] bad : new String[][] {
                {"/ip4/10.0.0.1/tcp/4001", "is not a relay address"},
                {"/ip4/10.0.0.1/udp/4001/p2p/" + ID, "is not a relay address"},
                {"/ip4/10.0.0.1/tcp/4001/p2p/" + ID + ",", "p2p.relays has an empty entry"},
                {"relay.example.org:4001", "is not a multiaddr"},
                {"/ip4/10.0.0.1/tcp/4001/p2p/notapeer", "is not a multiaddr"}}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Libp2pSettings.parseRelays(bad[0]), bad[0]);
            assertTrue(e.getMessage().startsWith("p2p.relays") && e.getMessage().contains(bad[1]), e.getMessage());
        }
    }

    @Test
    void relayModeSettingsHaveDefaultsAndNameTheKeyOfABadValue() {
        RelayNodeSettings d = RelayNodeSettings.parse(new Properties());
        assertEquals(List.of(Multiaddr.parse("/ip4/0.0.0.0/tcp/4001")), d.listen());
        assertEquals(new RelayLimits(64, Duration.ofHours(1), 64, 4, Duration.ofMinutes(30), 64L << 20), d.limits());

        Properties p = new Properties();
        p.setProperty("relay.maxReservations", "2");
        p.setProperty("relay.circuitDataBytes", "0");
        RelayNodeSettings s = RelayNodeSettings.parse(p);
        assertEquals(2, s.limits().maxReservations());
        assertEquals(0, s.limits().circuitDataBytes(), "0: no data limit");

        for (String[] bad : new String[][] {{"relay.maxReservations", "0"}, {"relay.circuitDataBytes", "-1"},
                {"relay.reservationTtlSeconds", "an hour"}, {"relay.listen", "/ip4/0.0.0.0/udp/4001"}}) {
            Properties q = new Properties();
            q.setProperty(bad[0], bad[1]);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RelayNodeSettings.parse(q));
            assertTrue(e.getMessage().startsWith(bad[0]) && e.getMessage().contains(bad[1]), e.getMessage());
        }
    }
}
