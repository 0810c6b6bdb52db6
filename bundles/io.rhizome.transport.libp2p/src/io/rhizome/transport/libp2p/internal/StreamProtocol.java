package io.rhizome.transport.libp2p.internal;

import io.rhizome.transport.libp2p.internal.yamux.StreamHandler;
import io.rhizome.transport.libp2p.internal.yamux.YamuxStream;

/** Serves one stream protocol id on streams the remote opens. */
@FunctionalInterface
public interface StreamProtocol {

    /**
     * A remote opened {@code stream} and both sides agreed on this protocol. Called on the
     * connection's event loop; returns the handler for the stream's data.
     */
    StreamHandler accept(Libp2pConnection connection, YamuxStream stream);
}
