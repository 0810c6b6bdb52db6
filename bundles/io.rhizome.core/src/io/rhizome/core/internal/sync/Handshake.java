package io.rhizome.core.internal.sync;

import io.rhizome.core.internal.engine.SyncEngine;
import io.rhizome.core.internal.protocol.Message;
import io.rhizome.core.internal.protocol.ProtocolException;

/** The hello / hello-ack exchange that opens a session: what each side says, and what it checks. */
final class Handshake {

    static final String AGENT = "rhizome/0.1.0";
    /** The optional message kinds this node understands. */
    static final java.util.List<String> FEATURES = java.util.List.of(Message.FEATURE_PRESENCE);

    private Handshake() {
    }

    static Message.Hello hello(SyncEngine engine, long wallMillis) {
        return new Message.Hello(Message.PROTOCOL_VERSION, engine.deviceId(), engine.catalog().offered(), AGENT, wallMillis, FEATURES);
    }

    static Message.HelloAck helloAck(SyncEngine engine, long wallMillis) {
        return new Message.HelloAck(Message.PROTOCOL_VERSION, engine.deviceId(), engine.catalog().offered(), AGENT, wallMillis, FEATURES);
    }

    /** Refuses a peer of another major protocol version, or one that says it is another device than the link authenticated. */
    static void check(String version, String deviceId, String peerId) throws ProtocolException {
        if (!majorOf(version).equals(majorOf(Message.PROTOCOL_VERSION))) {
            throw new ProtocolException(ProtocolException.VERSION, "protocol version mismatch: this node speaks " + Message.PROTOCOL_VERSION
                    + ", the peer speaks " + version);
        }
        if (!deviceId.equals(peerId)) {
            throw new ProtocolException(ProtocolException.REFUSED, "the peer says it is " + deviceId + " but the transport authenticated "
                    + peerId);
        }
    }

    private static String majorOf(String version) {
        int dot = version.indexOf('.');
        return dot < 0 ? version : version.substring(0, dot);
    }
}
