package io.rhizome.transport.libp2p.internal.relay;

import java.io.IOException;
import java.util.Optional;

/** A relay refused or failed a request; {@link #status} is the spec's code when the relay sent one. */
public final class RelayException extends IOException {

    private static final long serialVersionUID = 1L;
    private final transient Optional<CircuitMessage.Status> status;

    public RelayException(String message, Optional<CircuitMessage.Status> status) {
        super(message);
        this.status = status;
    }

    public Optional<CircuitMessage.Status> status() {
        return status;
    }
}
