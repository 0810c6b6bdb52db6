package io.rhizome.transport.libp2p.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.rhizome.spi.transport.MessageReceiver;
import io.rhizome.spi.transport.PeerLink;
import io.rhizome.testsupport.Await;
import io.rhizome.transport.libp2p.internal.IdentifyInfo;
import io.rhizome.transport.libp2p.internal.Libp2pTransport;
import io.rhizome.transport.libp2p.internal.SyncLink;

/**
 * Interop with js-libp2p 3 (TCP, @chainsafe/libp2p-noise, @chainsafe/libp2p-yamux, identify, ping)
 * in both directions, including the /rhizome/sync/1.0.0 stream protocol.
 */
class JsInteropTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private Libp2pTransport transport;

    @AfterEach
    void stop() {
        if (transport != null) {
            transport.stop();
        }
    }

    @Test
    void jsDialsRhizome() throws Exception {
        List<PeerLink> inbound = new CopyOnWriteArrayList<>();
        List<String> received = new CopyOnWriteArrayList<>();
        transport = Nodes.transport();
        transport.start(link -> {
            inbound.add(link);
            link.receiver(new MessageReceiver() {
                @Override
                public void message(PeerLink l, byte[] message) {
                    String text = new String(message, StandardCharsets.UTF_8);
                    received.add(text);
                    l.send(("rz-echo:" + text).getBytes(StandardCharsets.UTF_8));
                }

                @Override
                public void closed(PeerLink l, Optional<Throwable> cause) {
                }
            });
        });
        String addr = transport.listenAddresses().get(0);
        try (JsPeer js = JsPeer.start("dial", addr, "3")) {
            assertEquals(0, js.waitForExit(WAIT), js.lines.toString());
            String identify = js.await("\"event\":\"identify\"", WAIT);
            assertEquals(transport.host().peerId().toBase58(), JsPeer.field(identify, "peerId"));
            assertEquals("rhizome/test", JsPeer.field(identify, "agentVersion"));
            assertTrue(identify.contains("\"/rhizome/sync/1.0.0\"") && identify.contains("\"/ipfs/ping/1.0.0\""), identify);
            assertTrue(js.find("\"event\":\"ping\"").isPresent(), js.lines.toString());
            assertEquals(List.of("rz-echo:hello 0", "rz-echo:hello 1", "rz-echo:hello 2"),
                    js.all("sync-reply").stream().map(l -> JsPeer.field(l, "text")).toList());
        }
        assertEquals(List.of("hello 0", "hello 1", "hello 2"), received);
        assertEquals(1, inbound.size());
    }

    @Test
    void rhizomeDialsJs() throws Exception {
        transport = Nodes.transport();
        transport.start(link -> {
        });
        try (JsPeer js = JsPeer.start("listen")) {
            String listening = js.await("\"event\":\"listening\"", WAIT);
            String jsPeer = JsPeer.field(listening, "peerId");
            String addr = listening.replaceAll(".*\"addrs\":\\[\"([^\"]+)\".*", "$1");

            PeerLink link = transport.connect(addr).toCompletableFuture().get(30, TimeUnit.SECONDS);
            assertEquals(deviceIdOf(io.rhizome.transport.libp2p.internal.multiformats.PeerId.parse(jsPeer)), link.remotePeerId(),
                    "links name the remote by its device id (base64url Ed25519 key), here the js peer's key");
            Nodes.Inbox inbox = new Nodes.Inbox();
            link.receiver(inbox);
            for (int i = 0; i < 3; i++) {
                link.send(("from rhizome " + i).getBytes(StandardCharsets.UTF_8));
            }
            Await.until(WAIT, "three echoes from js", () -> inbox.messages.size() == 3);
            assertEquals(List.of("js-echo:from rhizome 0", "js-echo:from rhizome 1", "js-echo:from rhizome 2"),
                    inbox.messages);

            SyncLink sync = (SyncLink) link;
            IdentifyInfo info = sync.connection().identified().get(30, TimeUnit.SECONDS);
            assertTrue(info.agentVersion().startsWith("js-libp2p/"), info.agentVersion());
            assertTrue(info.protocols().contains("/rhizome/sync/1.0.0"), info.protocols().toString());
            assertTrue(sync.connection().ping().get(30, TimeUnit.SECONDS).toNanos() > 0);

            // the `rhizome p2p ping|connect MULTIADDR` entry points
            assertTrue(transport.ping(addr).get(30, TimeUnit.SECONDS).toNanos() > 0);
            assertTrue(transport.identify(addr).get(30, TimeUnit.SECONDS).agentVersion().startsWith("js-libp2p/"));

            String identify = js.await("\"event\":\"identify\"", WAIT);
            assertEquals("rhizome/test", JsPeer.field(identify, "agentVersion"));
            assertEquals(transport.host().peerId().toBase58(), JsPeer.field(identify, "peerId"));
            assertEquals(3, js.all("sync-message").size());

            link.close();
            Await.until(WAIT, "link closed at Rhizome", () -> inbox.closes.size() == 1);
            js.await("sync-closed", WAIT);
        }
    }

    /** The device-id form (KeyService.deviceId()) of a PeerId's Ed25519 key. */
    static String deviceIdOf(io.rhizome.transport.libp2p.internal.multiformats.PeerId peer) {
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(peer.ed25519PublicKey().orElseThrow());
    }
}
