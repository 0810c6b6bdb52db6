package io.rhizome.transport.libp2p.tests;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.rhizome.transport.libp2p.internal.KeyServiceSigner;
import io.rhizome.transport.libp2p.internal.Libp2pHost;
import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;
import io.rhizome.transport.libp2p.internal.relay.RelayAttachment;
import io.rhizome.transport.libp2p.internal.relay.RelayLimits;
import io.rhizome.transport.libp2p.internal.relay.RelayService;

/**
 * A device keeps trying to reserve on its relays: the first attempt runs as the attachment is made,
 * before its host listens (as in the node, where the transport attaches and then starts the host),
 * fails at once ("libp2p node is not running"), and the retry must still come. A race lost that
 * retry: the first attempt's failure scheduled the retry before the keeper had recorded the first
 * attempt, and recording it then cancelled the retry — the device never reserved (seen in
 * tests/nat/run.sh: one of two daemons without a reservation for good).
 */
class RelayReservationsTest {

    private static final long WAIT_MILLIS = 20_000;
    private final List<Libp2pHost> hosts = new ArrayList<>();
    private final List<RelayAttachment> attachments = new ArrayList<>();

    @AfterEach
    void stop() {
        attachments.forEach(RelayAttachment::detach);
        hosts.forEach(Libp2pHost::stop);
    }

    @Test
    void aReservationFirstTriedBeforeTheHostListensIsMadeOnceItDoes() throws Exception {
        KeyServiceSigner signer = new KeyServiceSigner(TestKeys.random());
        Libp2pHost relay = new Libp2pHost(signer, Nodes.config());
        RelayService.install(relay, signer, RelayLimits.defaults());
        relay.start();
        hosts.add(relay);
        Multiaddr relayAddr = relay.listenAddresses().get(0);
        // the race was lost about one time in two: eight devices make missing it very unlikely
        for (int i = 0; i < 8; i++) {
            RelayAttachment nat = new RelayAttachment(List.of(relayAddr));
            Libp2pHost device = Nodes.host();
            nat.attach(device); // the first attempt runs now, before the host listens
            attachments.add(nat);
            hosts.add(device);
            device.start();
            long deadline = System.currentTimeMillis() + WAIT_MILLIS;
            while (nat.circuitAddresses().isEmpty()) {
                if (System.currentTimeMillis() > deadline) {
                    fail("device " + i + " holds no reservation " + WAIT_MILLIS + " ms after its host started");
                }
                Thread.sleep(50);
            }
        }
    }
}
