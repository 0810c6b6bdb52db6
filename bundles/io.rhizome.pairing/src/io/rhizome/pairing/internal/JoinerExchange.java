package io.rhizome.pairing.internal;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.List;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rhizome.api.PairingException;
import io.rhizome.api.PairingException.Reason;

/** The joining side of one pairing exchange: {@code r1, r2, r3}, then the sealed welcome, then {@code done}. */
final class JoinerExchange {

    private final Jpake jpake;
    private final PairingCode code;
    private final String remoteId;
    private final Consumer<ObjectNode> send;
    private String step = "r1";

    JoinerExchange(String selfId, String remoteId, PairingCode code, Consumer<ObjectNode> send, SecureRandom random) {
        this.jpake = new Jpake(selfId, remoteId, code, random);
        this.code = code;
        this.remoteId = remoteId;
        this.send = send;
    }

    void start() {
        ObjectNode m = jpake.round1(Wire.message("r1"));
        m.put("v", 1);
        m.put("key", code.rendezvousKey());
        send.accept(m);
    }

    /**
     * Handles one message from the inviter.
     *
     * @return the welcome once the exchange succeeded, else null (more messages to come)
     * @throws PairingException when the inviter refused or misbehaved
     */
    Welcome onMessage(ObjectNode m) throws PairingProtocolException {
        String type = m.path("t").asText();
        if (type.equals("error")) {
            String c = m.path("code").asText("error");
            throw new PairingException(c.equals("internal") ? Reason.STORAGE : Reason.REFUSED,
                    "the inviting device refused: " + m.path("message").asText("(no reason given)"));
        }
        if (!type.equals(step)) {
            throw new PairingProtocolException("expected message '" + step + "', got '" + type + "'");
        }
        switch (type) {
            case "r1" -> {
                jpake.acceptRound1(m);
                send.accept(jpake.round2(Wire.message("r2")));
                step = "r2";
            }
            case "r2" -> {
                jpake.acceptRound2(m);
                send.accept(jpake.round3(Wire.message("r3")));
                step = "welcome";
            }
            case "welcome" -> {
                if (!jpake.confirms(m)) {
                    throw new PairingException(Reason.PROTOCOL,
                            "device " + remoteId + " accepted the code but could not prove it knows it; it is not the device that showed the code");
                }
                JsonNode box = m.get("box");
                try {
                    return Welcome.decode(jpake.open(box == null ? null : box.binaryValue(), "welcome"), remoteId);
                } catch (IOException e) {
                    throw new PairingProtocolException("'box' must be bytes");
                }
            }
            default -> throw new PairingProtocolException("unexpected message '" + type + "'");
        }
        return null;
    }

    /** Tells the inviter where this node listens and what its transports announce (sealed), ending the exchange. */
    void done(List<String> addresses, List<Announcement> announcements) {
        ObjectNode plain = Wire.message("addresses");
        Welcome.strings(plain.putArray("addresses"), addresses);
        if (!announcements.isEmpty()) {
            Announcement.write(plain.putArray("announce"), announcements);
        }
        ObjectNode m = Wire.message("done");
        m.put("box", jpake.seal(Wire.encode(plain), "done"));
        send.accept(m);
    }
}
