package io.rhizome.pairing.internal;

import java.security.SecureRandom;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The inviting side of one pairing exchange, driven by the joiner's messages:
 * {@code r1 → r1, r2 → r2, r3 → welcome | error, done}. Messages are handled one at a time.
 */
final class InviterExchange {

    /** What the exchange needs from the daemon. */
    interface Host {
        /** The current invitation, or null. */
        ActiveInvitation invitation();

        /** What to hand the joiner: keys, mesh members, our addresses. */
        Welcome welcome();

        /** The joiner proved the code: trust it (before the welcome is sent). */
        void paired(String deviceId) throws Exception;

        /** The joiner told where it listens and what its transports announce. */
        void joinerAddresses(String deviceId, List<String> addresses, List<Announcement> announcements);
    }

    private final String selfId;
    private final String remoteId;
    private final Host host;
    private final Consumer<ObjectNode> send;
    private final SecureRandom random;
    private ActiveInvitation invitation;
    private Jpake jpake;
    private String step = "r1";

    InviterExchange(String selfId, String remoteId, Host host, Consumer<ObjectNode> send, SecureRandom random) {
        this.selfId = selfId;
        this.remoteId = remoteId;
        this.host = host;
        this.send = send;
        this.random = random;
    }

    /**
     * Handles one message from the joiner.
     *
     * @return true when the exchange is over (the channel may close)
     */
    boolean onMessage(ObjectNode m) throws PairingProtocolException {
        String type = m.path("t").asText();
        if (type.equals("error")) {
            end();
            return true;
        }
        if (!type.equals(step)) {
            throw new PairingProtocolException("expected message '" + step + "', got '" + type + "'");
        }
        switch (type) {
            case "r1" -> {
                if (m.path("v").asInt() != 1) {
                    send.accept(Wire.error("version", "pairing protocol version " + m.path("v").asText("?") + " is not supported; this node speaks 1"));
                    return true;
                }
                ActiveInvitation inv = host.invitation();
                String refusal = inv == null ? "this device has no active invitation; run 'rhizome pair' on it"
                        : !inv.code.rendezvousKey().equals(m.path("key").asText()) ? "no invitation with this code here (check the first group)"
                        : inv.acquire(this);
                if (refusal != null) {
                    send.accept(Wire.error("refused", refusal));
                    return true;
                }
                invitation = inv;
                jpake = new Jpake(selfId, remoteId, inv.code, random);
                // Bouncy Castle's participant creates its own payload of a round before validating the peer's
                ObjectNode reply = jpake.round1(Wire.message("r1"));
                jpake.acceptRound1(m);
                send.accept(reply);
                step = "r2";
            }
            case "r2" -> {
                ObjectNode reply = jpake.round2(Wire.message("r2"));
                jpake.acceptRound2(m);
                invitation.charge();
                send.accept(reply);
                step = "r3";
            }
            case "r3" -> {
                ObjectNode w = jpake.round3(Wire.message("welcome"));
                if (!jpake.confirms(m)) {
                    int left = invitation.attemptsLeft();
                    end();
                    send.accept(Wire.error("wrong-code", left == 0
                            ? "wrong code; the invitation is now locked after " + ActiveInvitation.ATTEMPTS + " wrong codes"
                            : "wrong code; " + left + (left == 1 ? " attempt" : " attempts") + " left"));
                    return true;
                }
                String refusal = invitation.state().equals("active") ? null : "the invitation " + invitation.state() + " during the exchange";
                if (refusal != null) {
                    end();
                    send.accept(Wire.error("refused", refusal));
                    return true;
                }
                try {
                    host.paired(remoteId);
                } catch (Exception e) {
                    end();
                    send.accept(Wire.error("internal", "the inviting device could not store the pairing: " + e.getMessage()));
                    return true;
                }
                invitation.used(remoteId);
                end();
                w.put("box", jpake.seal(host.welcome().encode(), "welcome"));
                send.accept(w);
                step = "done";
            }
            case "done" -> {
                JsonNode box = m.get("box");
                byte[] plain;
                try {
                    plain = jpake.open(box == null ? null : box.binaryValue(), "done");
                } catch (java.io.IOException e) {
                    throw new PairingProtocolException("'box' must be bytes");
                }
                ObjectNode reply = Wire.decode(plain);
                host.joinerAddresses(remoteId, Welcome.strings(reply.get("addresses")), Announcement.read(remoteId, reply.get("announce")));
                return true;
            }
            default -> throw new PairingProtocolException("unexpected message '" + type + "'");
        }
        return false;
    }

    /** Releases the invitation (the channel closed or the exchange ended). */
    void end() {
        if (invitation != null) {
            invitation.release(this);
        }
    }
}
