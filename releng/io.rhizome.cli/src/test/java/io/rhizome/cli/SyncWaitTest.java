package io.rhizome.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** When {@code sync --wait} counts a node as caught up, and the bar and status line it draws from the daemon's JSON. */
class SyncWaitTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode sync(String peers) throws Exception {
        return JSON.readTree("{\"peers\":[" + peers + "]}");
    }

    private static String peer(boolean connected, boolean known, long in, long out) {
        return "{\"peerId\":\"p\",\"connected\":" + connected + ",\"progress\":{\"incoming\":" + in + ",\"outgoing\":" + out
                + ",\"bytesReceived\":2202009,\"bytesSent\":4096,\"peerStateKnown\":" + known + ",\"etaSeconds\":12}}";
    }

    @Test
    void caughtUpOnlyWhenEveryConnectedPeerSaidWhatItHoldsAndNothingIsLeft() throws Exception {
        assertTrue(SyncWaitCommand.remaining(sync("")).caughtUp(), "no paired peer: nothing to wait for");
        assertFalse(SyncWaitCommand.remaining(sync(peer(false, false, 0, 0))).caughtUp(), "a paired peer not connected yet: wait for it");
        assertFalse(SyncWaitCommand.remaining(sync(peer(true, false, 0, 0))).caughtUp(), "the peer has not said what it holds yet");
        assertFalse(SyncWaitCommand.remaining(sync(peer(true, true, 3, 0))).caughtUp());
        assertFalse(SyncWaitCommand.remaining(sync(peer(true, true, 0, 1))).caughtUp());
        assertTrue(SyncWaitCommand.remaining(sync(peer(true, true, 0, 0))).caughtUp());
        assertFalse(SyncWaitCommand.remaining(sync(peer(true, true, 0, 0) + "," + peer(true, false, 0, 0))).caughtUp(),
                "every connected peer counts");
    }

    @Test
    void theBarShowsDoneOfTheMostSeenLeftBytesAndEta() throws Exception {
        SyncWaitCommand.Remaining left = SyncWaitCommand.remaining(sync(peer(true, true, 750, 250)));
        assertEquals("[###############...............] 1,000 / 2,000 change sets  2.1 MB in / 4.0 KB out  ETA 12s",
                SyncWaitCommand.bar(2000, left));
        assertEquals("750 to receive, 250 to send, 2.1 MB in / 4.0 KB out, ETA 12s",
                StatusView.progress(JSON.readTree(peer(true, true, 750, 250)).path("progress")));
    }
}
