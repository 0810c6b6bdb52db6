package io.rhizome.pairing.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** What a {@link SerialChannel} hands its messages to, one at a time on the pairing executor. */
interface ChannelHandler {

    /** @return true when the conversation is over (the channel is closed after what was sent) */
    boolean message(ObjectNode m) throws PairingProtocolException;

    /** The remote broke the protocol; an {@code error} message was sent to it and the channel closes. */
    default void failed(String why) {
    }

    /** The conversation ended (normally, by failure, or the link closed). Called once. */
    default void closed() {
    }
}
