package io.rhizome.transport.wireguard.internal.uapi;

import java.io.IOException;

/** The WireGuard implementation refused an operation ({@code errno} other than 0) or answered out of protocol. */
public final class UapiException extends IOException {

    private static final long serialVersionUID = 1L;

    private final int errno;

    public UapiException(String message, int errno) {
        super(message);
        this.errno = errno;
    }

    /** The errno the implementation answered, or -1 when the answer broke the protocol. */
    public int errno() {
        return errno;
    }
}
