package io.rhizome.pairing.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rhizome.api.PairingException;
import io.rhizome.spi.crypto.KeyService.MeshKey;

/**
 * The J-PAKE pairing exchange driven message by message (no transport): the right code pairs and
 * hands over the mesh keys; wrong codes are charged and lock the invitation; expired, used and
 * relayed exchanges fail; malformed messages are protocol errors.
 */
class ExchangeTest {

    private static final SecureRandom RANDOM = new SecureRandom();
    private final String inviterId = id(1);
    private final String joinerId = id(2);
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final List<String> paired = new ArrayList<>();
    private final List<List<String>> joinerAddresses = new ArrayList<>();
    private final MeshKey meshKey = new MeshKey(3, bytes(32, 7));

    private static String id(int seed) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes(32, seed));
    }

    private static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (seed * 31 + i);
        }
        return b;
    }

    private ActiveInvitation invitation(PairingCode code) {
        return new ActiveInvitation(code, now.get(), List.of("/ip4/127.0.0.1/tcp/1"), "rhizome:join?code=" + code.display(), now::get);
    }

    /** Runs one exchange to the end; returns the joiner's welcome, or throws what the joiner saw. */
    private Welcome run(ActiveInvitation inv, PairingCode typed, String inviterSeesJoinerAs) throws Exception {
        Deque<ObjectNode> toInviter = new ArrayDeque<>();
        Deque<ObjectNode> toJoiner = new ArrayDeque<>();
        InviterExchange inviter = new InviterExchange(inviterId, inviterSeesJoinerAs, new InviterExchange.Host() {
            @Override
            public ActiveInvitation invitation() {
                return inv;
            }

            @Override
            public Welcome welcome() {
                return new Welcome(List.of(meshKey), List.of(new Welcome.MeshMember(id(9), List.of("libp2p /ip4/10.0.0.9/tcp/9"))),
                        List.of("libp2p /ip4/127.0.0.1/tcp/1"));
            }

            @Override
            public void paired(String deviceId) {
                paired.add(deviceId);
            }

            @Override
            public void joinerAddresses(String deviceId, List<String> addresses, List<Announcement> announcements) {
                joinerAddresses.add(addresses);
            }
        }, toJoiner::add, RANDOM);
        JoinerExchange joiner = new JoinerExchange(joinerId, inviterId, typed, toInviter::add, RANDOM);
        joiner.start();
        try {
            for (int i = 0; i < 10; i++) {
                while (!toInviter.isEmpty()) {
                    inviter.onMessage(Wire.decode(Wire.encode(toInviter.poll())));
                }
                ObjectNode m = toJoiner.poll();
                if (m == null) {
                    return null;
                }
                Welcome w = joiner.onMessage(Wire.decode(Wire.encode(m)));
                if (w != null) {
                    joiner.done(List.of("libp2p /ip4/127.0.0.1/tcp/2"), List.of());
                    inviter.onMessage(Wire.decode(Wire.encode(toInviter.poll())));
                    return w;
                }
            }
        } finally {
            inviter.end();
        }
        throw new AssertionError("exchange did not end");
    }

    @Test
    void rightCodePairsAndHandsOverTheMeshKeys() throws Exception {
        PairingCode code = PairingCode.random(RANDOM);
        ActiveInvitation inv = invitation(code);
        Welcome w = run(inv, PairingCode.parse(code.display().toLowerCase()), joinerId);
        assertNotNull(w);
        assertEquals(List.of(meshKey), w.keys());
        assertArrayEquals(meshKey.key(), w.keys().get(0).key());
        assertEquals(id(9), w.members().get(0).deviceId());
        assertEquals(List.of(joinerId), paired);
        assertEquals(List.of(List.of("libp2p /ip4/127.0.0.1/tcp/2")), joinerAddresses);
        assertEquals("used", inv.state());
        assertEquals(joinerId, inv.view().pairedWith().orElseThrow());
        PairingException again = assertThrows(PairingException.class, () -> run(inv, code, joinerId));
        assertTrue(again.getMessage().contains("already used"), again.getMessage());
    }

    @Test
    void threeWrongCodesLockTheInvitation() throws Exception {
        PairingCode code = PairingCode.parse("RZ-7K3M-9QXA-20B4");
        ActiveInvitation inv = invitation(code);
        PairingCode wrong = PairingCode.parse("RZ-7K3M-9QXA-20B5");
        PairingException e1 = assertThrows(PairingException.class, () -> run(inv, wrong, joinerId));
        assertEquals(PairingException.Reason.REFUSED, e1.reason());
        assertTrue(e1.getMessage().contains("wrong code; 2 attempts left"), e1.getMessage());
        PairingException e2 = assertThrows(PairingException.class, () -> run(inv, wrong, joinerId));
        assertTrue(e2.getMessage().contains("1 attempt left"), e2.getMessage());
        PairingException e3 = assertThrows(PairingException.class, () -> run(inv, wrong, joinerId));
        assertTrue(e3.getMessage().contains("locked"), e3.getMessage());
        assertEquals("locked", inv.state());
        PairingException e4 = assertThrows(PairingException.class, () -> run(inv, code, joinerId));
        assertTrue(e4.getMessage().contains("locked after 3 wrong codes"), e4.getMessage());
        assertTrue(paired.isEmpty());
    }

    @Test
    void aWrongFirstGroupIsRefusedWithoutCharging() {
        ActiveInvitation inv = invitation(PairingCode.parse("RZ-7K3M-9QXA-20B4"));
        PairingException e = assertThrows(PairingException.class, () -> run(inv, PairingCode.parse("RZ-7K3N-9QXA-20B4"), joinerId));
        assertTrue(e.getMessage().contains("no invitation with this code"), e.getMessage());
        assertEquals(3, inv.attemptsLeft());
    }

    @Test
    void expiredAndCancelledInvitationsAreRefused() {
        PairingCode code = PairingCode.random(RANDOM);
        ActiveInvitation inv = invitation(code);
        now.addAndGet(ActiveInvitation.LIFETIME_MILLIS);
        PairingException e = assertThrows(PairingException.class, () -> run(inv, code, joinerId));
        assertTrue(e.getMessage().contains("expired"), e.getMessage());
        ActiveInvitation other = invitation(code);
        other.cancel();
        e = assertThrows(PairingException.class, () -> run(other, code, joinerId));
        assertTrue(e.getMessage().contains("cancelled"), e.getMessage());
        assertTrue(paired.isEmpty());
    }

    @Test
    void aRelayAuthenticatedAsAnotherDeviceCannotPassTheExchangeThrough() {
        // the inviter's transport says the joiner is id(5), but the joiner's proofs name id(2)
        PairingCode code = PairingCode.random(RANDOM);
        ActiveInvitation inv = invitation(code);
        assertThrows(PairingProtocolException.class, () -> run(inv, code, id(5)));
        assertTrue(paired.isEmpty());
    }

    @Test
    void malformedMessagesAreProtocolErrors() {
        PairingCode code = PairingCode.random(RANDOM);
        ActiveInvitation inv = invitation(code);
        InviterExchange inviter = new InviterExchange(inviterId, joinerId, new InviterExchange.Host() {
            @Override
            public ActiveInvitation invitation() {
                return inv;
            }

            @Override
            public Welcome welcome() {
                return new Welcome(List.of(meshKey), List.of(), List.of());
            }

            @Override
            public void paired(String deviceId) {
                paired.add(deviceId);
            }

            @Override
            public void joinerAddresses(String deviceId, List<String> addresses, List<Announcement> announcements) {
            }
        }, m -> { }, RANDOM);
        ObjectNode r1 = Wire.message("r1");
        r1.put("v", 1);
        r1.put("key", code.rendezvousKey());
        r1.put("gx1", "not bytes");
        assertThrows(PairingProtocolException.class, () -> inviter.onMessage(r1));
        inviter.end();
        assertThrows(PairingProtocolException.class, () -> inviter.onMessage(Wire.message("r3")));
        assertThrows(PairingProtocolException.class, () -> Wire.decode(new byte[] { 1, 2, 3 }));
        assertThrows(PairingProtocolException.class, () -> Wire.decode(new byte[Wire.MAX_MESSAGE + 1]));
        assertNull(inv.view().pairedWith().orElse(null));
        assertTrue(paired.isEmpty());
    }
}
