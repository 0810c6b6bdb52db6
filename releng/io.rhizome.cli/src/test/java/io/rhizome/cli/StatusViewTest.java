package io.rhizome.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The human form of the status and peers answers shows what needs a person, from the daemon's JSON. */
class StatusViewTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String NODE = """
            "node": {"version": "0.1.0", "home": "/h", "pid": 42, "uptimeMillis": 65000, "plugins": 16,
              "java": {"version": "25.0.3", "vendor": "Eclipse Adoptium", "home": "/usr/lib/jvm/temurin-25-jdk-amd64"}}""";

    private static JsonNode status(String sync) throws Exception {
        return JSON.readTree("{" + NODE + ", \"sync\": " + sync + ", \"transports\": {\"libp2p\": {\"peerId\": \"12D3Koo\","
                + " \"listenAddresses\": [\"/ip4/127.0.0.1/tcp/4001\"]}}}");
    }

    @Test
    void aPeerLastSyncedThroughACloudSaysSo() throws Exception {
        String text = StatusView.render(status("""
                {"deviceId": "DEV", "state": "offline", "online": false, "lastSyncTime": null, "pendingMutations": 0,
                 "connectedPeers": 0, "lastError": null, "clockProblem": null, "revoked": null,
                 "peers": [
                   {"peerId": "PEER", "connected": false, "transport": null, "lastSeen": null, "pendingEvents": 0,
                    "lastSync": null, "lastSyncRoute": "cloud folder-edd6396e", "lastCloudSync": "2026-12-01T23:57:25Z", "heldBack": []},
                   {"peerId": "LIVE", "connected": true, "transport": "libp2p", "lastSeen": null, "pendingEvents": 0,
                    "lastSync": "2026-12-01T20:00:00Z", "lastSyncRoute": "libp2p", "heldBack": []}]}"""));
        assertTrue(text.contains("peer:     PEER: not connected, last sync never, 0 pending\n          last synced through cloud folder-edd6396e at 2026-12-01T23:57:25Z"),
                text);
        assertFalse(text.contains("last synced through libp2p"), "a live route needs no extra line: " + text);
    }

    @Test
    void eachPeersRouteIsShown() throws Exception {
        String text = StatusView.render(status("""
                {"deviceId": "DEV", "state": "online", "online": true, "lastSyncTime": null, "pendingMutations": 0,
                 "connectedPeers": 2, "lastError": null, "clockProblem": null, "revoked": null,
                 "peers": [
                   {"peerId": "NAT", "connected": true, "transport": "libp2p", "route": "relayed", "pendingEvents": 0,
                    "lastSync": "2026-12-01T20:00:00Z", "lastSyncRoute": "libp2p", "heldBack": []},
                   {"peerId": "WG", "connected": true, "transport": "wireguard", "route": "wireguard", "pendingEvents": 0,
                    "lastSync": "2026-12-01T20:00:00Z", "lastSyncRoute": "wireguard", "heldBack": []},
                   {"peerId": "ASLEEP", "connected": false, "transport": null, "route": "hub", "pendingEvents": 0,
                    "lastSync": null, "lastSyncRoute": "hub hub-1a2b3c4d", "lastCloudSync": "2026-12-01T21:00:00Z", "heldBack": []}]}"""));
        assertTrue(text.contains("peer:     NAT: connected (libp2p, relayed), last sync"), text);
        assertTrue(text.contains("peer:     WG: connected (wireguard), last sync"), "a route that is the transport's kind is not repeated: " + text);
        assertTrue(text.contains("peer:     ASLEEP: not connected, last sync never, 0 pending\n          last synced through hub hub-1a2b3c4d at 2026-12-01T21:00:00Z"), text);
    }

    @Test
    void recordsTheStoreQuarantinedAtThisStartAreShownUnderTheTitle() throws Exception {
        JsonNode status = status("""
                {"deviceId": "DEV", "state": "online", "online": true, "lastSyncTime": null, "pendingMutations": 0,
                 "connectedPeers": 0, "lastError": null, "clockProblem": null, "revoked": null, "peers": []}""");
        ((com.fasterxml.jackson.databind.node.ObjectNode) status).set("store", JSON.readTree("""
                {"kind": "mapdb", "location": "/h/data", "quarantined": 1, "quarantineKept": 3,
                 "quarantineReports": ["checkpoint quarantined, not served: state of notes/a does not open; rebuilt from the change-set log"]}"""));
        List<String> lines = StatusView.render(status).lines().toList();
        assertEquals("STORE:    1 damaged record(s) found at this start, quarantined and never served (3 kept in quarantine)", lines.get(1));
        assertEquals("          checkpoint quarantined, not served: state of notes/a does not open; rebuilt from the change-set log", lines.get(2));

        ((com.fasterxml.jackson.databind.node.ObjectNode) status.path("store")).put("quarantined", 0);
        assertFalse(StatusView.render(status).contains("STORE:"), "nothing damaged at this start: no line");
    }

    @Test
    void heldBackStreamsLastErrorClockAndRevocationAreShown() throws Exception {
        String text = StatusView.render(status("""
                {"deviceId": "DEV", "state": "online", "online": true, "lastSyncTime": "2026-12-01T20:00:00Z",
                 "pendingMutations": 3, "connectedPeers": 1,
                 "lastError": "peer PEER refused notes: namespace 'notes' is lww-register here",
                 "clockProblem": "this clock is 9 minutes ahead of peer PEER; fix the system time",
                 "revoked": "this device was revoked by OTHER at 2026-12-01T19:00:00Z",
                 "peers": [
                   {"peerId": "PEER", "connected": true, "transport": "libp2p", "lastSeen": "2026-12-01T20:01:00Z",
                    "pendingEvents": 7, "lastSync": "2026-12-01T20:00:00Z",
                    "heldBack": [
                      {"direction": "outgoing", "namespace": "notes", "author": "DEV", "seq": 5, "code": "refused",
                       "reason": "namespace 'notes' is pn-counter there", "since": "2026-12-01T19:59:00Z"},
                      {"direction": "incoming", "namespace": "tasks", "author": "PEER", "seq": 1, "code": "unknown-namespace",
                       "reason": "namespace 'tasks' is not declared here", "since": "2026-12-01T19:58:00Z"}]},
                   {"peerId": "AWAY", "connected": false, "transport": null, "lastSeen": null, "pendingEvents": 0,
                    "lastSync": null, "heldBack": []}]}"""));
        List<String> lines = text.lines().toList();

        assertEquals("Rhizome node 0.1.0 (pid 42), up 1m 5s", lines.get(0));
        assertEquals("REVOKED:  this device was revoked by OTHER at 2026-12-01T19:00:00Z", lines.get(1), "revocation right under the title");
        assertEquals("CLOCK:    this clock is 9 minutes ahead of peer PEER; fix the system time", lines.get(2));
        assertTrue(lines.contains("sync:     online, 1 peer(s) connected, 3 pending mutation(s)"), text);
        assertTrue(lines.contains("java:     25.0.3 (Eclipse Adoptium, /usr/lib/jvm/temurin-25-jdk-amd64)"), text);
        assertTrue(lines.contains("last sync: 2026-12-01T20:00:00Z"), text);
        assertTrue(lines.contains("last error: peer PEER refused notes: namespace 'notes' is lww-register here"), text);
        assertTrue(lines.contains("peer:     PEER: connected (libp2p), last sync 2026-12-01T20:00:00Z, 7 pending"), text);
        assertTrue(lines.contains("          held back outgoing: notes from DEV, change set 5 on: namespace 'notes' is pn-counter there"
                + " (refused, since 2026-12-01T19:59:00Z)"), text);
        assertTrue(lines.contains("          held back incoming: tasks from PEER, change set 1 on: namespace 'tasks' is not declared here"
                + " (unknown-namespace, since 2026-12-01T19:58:00Z)"), text);
        assertTrue(lines.contains("peer:     AWAY: not connected, last sync never, 0 pending"), text);
        assertTrue(lines.contains("libp2p:   PeerId 12D3Koo"), text);
        assertTrue(lines.contains("          listening on /ip4/127.0.0.1/tcp/4001"), text);
    }

    @Test
    void aHealthyNodeShowsNoProblemLines() throws Exception {
        String text = StatusView.render(status("""
                {"deviceId": "DEV", "state": "offline", "online": false, "lastSyncTime": null, "pendingMutations": 0,
                 "connectedPeers": 0, "lastError": null, "clockProblem": null, "revoked": null, "peers": []}"""));

        assertTrue(text.contains("last sync: never"), text);
        assertFalse(text.contains("REVOKED"), text);
        assertFalse(text.contains("CLOCK"), text);
        assertFalse(text.contains("last error"), text);
        assertFalse(text.contains("held back"), text);
        assertFalse(text.contains("peer:"), text);
    }

    @Test
    void lastErrorIsShownWhateverTheState() throws Exception {
        String text = StatusView.render(status("""
                {"deviceId": "DEV", "state": "synced", "online": true, "lastSyncTime": "2026-12-01T20:00:00Z",
                 "pendingMutations": 0, "connectedPeers": 1, "lastError": "sync with PEER failed: stream reset",
                 "clockProblem": null, "revoked": null, "peers": []}"""));

        assertTrue(text.contains("sync:     synced,"), text);
        assertTrue(text.contains("last error: sync with PEER failed: stream reset"), text);
    }

    @Test
    void aNodeWithoutEngineSaysWhy() throws Exception {
        String text = StatusView.render(JSON.readTree("{" + NODE
                + ", \"sync\": {\"state\": \"unavailable\", \"reason\": \"no SyncService is running\"}}"));

        assertTrue(text.contains("sync:     unavailable (no SyncService is running)"), text);
    }

    @Test
    void peersTableHasLastSyncAndHeldBackCounts() throws Exception {
        String table = PeerCommands.peerTable(JSON.readTree("""
                {"peers": [{"deviceId": "PEER", "connected": true, "transport": "libp2p", "lastSeen": "2026-12-01T20:01:00Z",
                  "lastSync": "2026-12-01T20:00:00Z", "pendingEvents": 7, "heldBackStreams": 2,
                  "pairedAt": "2026-12-01T10:00:00Z", "via": "code"},
                 {"deviceId": "AWAY", "connected": false, "transport": null, "lastSeen": null, "lastSync": null,
                  "pendingEvents": 0, "heldBackStreams": 0, "pairedAt": "2026-12-01T11:00:00Z", "via": "code"}]}"""));
        List<String> lines = table.lines().toList();

        assertEquals(3, lines.size(), table);
        assertEquals(List.of("DEVICE", "CONNECTED", "TRANSPORT", "LAST", "SEEN", "LAST", "SYNC", "PENDING", "HELD", "BACK", "PAIRED"),
                List.of(lines.get(0).trim().split("\\s+")), table);
        assertEquals(List.of("PEER", "yes", "libp2p", "2026-12-01T20:01:00Z", "2026-12-01T20:00:00Z", "7", "2",
                "2026-12-01T10:00:00Z", "(code)"), List.of(lines.get(1).trim().split("\\s+")), table);
        assertEquals(List.of("AWAY", "no", "-", "never", "never", "0", "0", "2026-12-01T11:00:00Z", "(code)"),
                List.of(lines.get(2).trim().split("\\s+")), table);
    }
}
