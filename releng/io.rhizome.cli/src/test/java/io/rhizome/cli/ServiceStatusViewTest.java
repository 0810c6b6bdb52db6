package io.rhizome.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

/** What {@code rhizome hub status} and {@code rhizome relay status} print of hub.json and relay.json. */
class ServiceStatusViewTest {

    @Test
    void aHubSummarySaysItsAddressesClaimMembersStoreAndSizes() throws Exception {
        String text = ServiceStatusView.hub(new ObjectMapper().readTree("""
                {"deviceId":"HUB","fingerprint":"aa bb","addresses":["/ip4/127.0.0.1/tcp/4002/p2p/12D3KooWX","/ip6/::1/tcp/4002/p2p/12D3KooWX"],
                 "members":2,"revoked":1,"meshKeys":0,"store":{"kind":"mapdb","location":"/h/data"},"files":7,"bytes":3145728,"refused":4}"""));
        assertTrue(text.contains("  addresses     /ip4/127.0.0.1/tcp/4002/p2p/12D3KooWX\n                /ip6/::1/tcp/4002/p2p/12D3KooWX\n"), text);
        assertTrue(text.contains("  claimed       yes\n") && text.contains("  members       2 (1 revoked)\n"), text);
        assertTrue(text.contains("  mesh keys     0 (a hub holds none)\n") && text.contains("  store         mapdb /h/data\n"), text);
        assertTrue(text.contains("  files         7 (3.0 MiB)\n") && text.contains("  refused       4 requests since start\n"), text);
        String unclaimed = ServiceStatusView.hub(new ObjectMapper().readTree("{\"claimCode\":\"RZH-AAAA-BBBB-CCCC\",\"addresses\":[]}"));
        assertTrue(unclaimed.contains("claimed       no; claim code RZH-AAAA-BBBB-CCCC") && unclaimed.contains("addresses     none"), unclaimed);
    }

    @Test
    void aRelaySummarySaysItsReservationsCircuitsAndLimits() throws Exception {
        String text = ServiceStatusView.relay(new ObjectMapper().readTree("""
                {"peerId":"12D3KooWR","addresses":["/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWR"],"reservations":2,"circuits":1,"refusedReservations":3,
                 "limits":{"maxReservations":4,"reservationTtlSeconds":3600,"maxCircuits":64,"maxCircuitsPerPeer":4,
                           "circuitDurationSeconds":0,"circuitDataBytes":67108864}}"""));
        assertTrue(text.contains("  reservations  2 of 4 (each 3600 s; 3 refused since start)\n"), text);
        assertTrue(text.contains("  circuits      1 of 64 (4 per peer; each no time limit, 64.0 MiB each way)\n"), text);
        assertTrue(ServiceStatusView.relay(new ObjectMapper().readTree("{\"peerId\":\"P\",\"addresses\":[]}")).contains("not in relay.json"));
    }
}
