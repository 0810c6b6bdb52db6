package io.rhizome.core.internal.engine;

import java.util.List;

import io.rhizome.core.internal.protocol.Message;
import io.rhizome.core.internal.protocol.ProtocolException;

/**
 * Every stream of a batch was refused (nothing of it applies): the batch is answered with an
 * {@code Error} that lists each refused stream, so the sender holds back exactly those.
 */
public final class BatchRefusedException extends ProtocolException {
    private static final long serialVersionUID = 1L;

    private final transient List<Message.Refusal> refusals;

    public BatchRefusedException(List<Message.Refusal> refusals) {
        super(refusals.get(0).code(), refusals.get(0).message()
                + (refusals.size() > 1 ? " (and " + (refusals.size() - 1) + " more refused stream(s) in the batch)" : ""));
        this.refusals = List.copyOf(refusals);
    }

    public List<Message.Refusal> refusals() {
        return refusals;
    }
}
