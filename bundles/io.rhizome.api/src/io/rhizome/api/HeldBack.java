package io.rhizome.api;

import java.time.Instant;
import java.util.Objects;

/**
 * A stream of change sets ({@code namespace|author}) that does not flow between this node and a
 * peer because one side refused it. Only that stream waits; every other stream goes on. Sync of
 * the stream is retried by itself (see the README, "No stream held hostage"), so the entry goes
 * away once its cause is fixed.
 *
 * @param direction which side refused
 * @param namespace the namespace of the stream
 * @param author    the device id that wrote the stream
 * @param seq       the first change-set number that was refused
 * @param code      the protocol error code ({@code refused}, {@code unknown-namespace}, ...)
 * @param reason    the refusal, a sentence a person can act on
 * @param since     when the stream was first refused
 * @since 0.1
 */
public record HeldBack(Direction direction, String namespace, String author, long seq, String code, String reason, Instant since) {

    /** Which side refused the stream. */
    public enum Direction {
        /** The peer refused change sets this node sent. */
        OUTGOING,
        /** This node refused change sets the peer sent. */
        INCOMING;

        public String id() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public HeldBack {
        Objects.requireNonNull(direction, "direction");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(author, "author");
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(since, "since");
    }
}
