package io.rhizome.transport.libp2p.internal.yamux;

import io.netty.buffer.ByteBuf;

/**
 * Receives the events of one Yamux stream. Called on the connection's event loop, never
 * concurrently, in order.
 */
public interface StreamHandler {

    /**
     * Data arrived. The buffer is released after the call returns: retain or copy what is kept. The
     * bytes are credited back to the sender's window after the call unless the stream is in manual
     * credit mode ({@link YamuxStream#manualCredit}).
     */
    void onData(YamuxStream stream, ByteBuf data);

    /** The remote closed its side (FIN); it sends nothing more. */
    default void onRemoteClose(YamuxStream stream) {
    }

    /** The stream is gone: both sides closed ({@code cause == null}), reset, or the session ended. Called once. */
    default void onClose(YamuxStream stream, Throwable cause) {
    }
}
