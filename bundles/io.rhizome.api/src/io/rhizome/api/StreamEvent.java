package io.rhizome.api;

import java.util.Objects;
import java.util.Optional;

/**
 * A stream of change sets ({@code namespace|author}) stopped flowing to or from a peer, or flows
 * again. See {@link HeldBack} for what "held back" means.
 *
 * @param peerId    the peer
 * @param direction which side refused
 * @param namespace the stream's namespace
 * @param author    the stream's author device
 * @param reason    why it is held back; empty when it flows again
 * @since 0.1
 */
public record StreamEvent(String peerId, HeldBack.Direction direction, String namespace, String author, Optional<String> reason) {
    public StreamEvent {
        Objects.requireNonNull(peerId, "peerId");
        Objects.requireNonNull(direction, "direction");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(author, "author");
        Objects.requireNonNull(reason, "reason");
    }
}
