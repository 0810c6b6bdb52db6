package io.rhizome.transport.libp2p.internal.yamux;

import java.io.IOException;

/** A Yamux protocol violation by the remote, or a stream operation on a closed stream/session. */
public final class YamuxException extends IOException {
    private static final long serialVersionUID = 1L;

    public YamuxException(String message) {
        super(message);
    }
}
