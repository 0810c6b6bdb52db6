package io.rhizome.transport.libp2p.internal.yamux;

/**
 * Limits of one Yamux session.
 *
 * @param streamWindow receive window we grant each stream (at least the spec's 256 KiB)
 * @param maxInboundStreams concurrent streams the remote may open before we call it a flood
 * @param maxDataFrame largest data frame we send
 */
public record YamuxConfig(int streamWindow, int maxInboundStreams, int maxDataFrame) {

    public YamuxConfig {
        if (streamWindow < YamuxFrame.INITIAL_WINDOW) {
            throw new IllegalArgumentException("stream window below the Yamux initial window of 256 KiB");
        }
        if (maxInboundStreams < 1 || maxDataFrame < 1) {
            throw new IllegalArgumentException("limits must be positive");
        }
    }

    /**
     * The limits for a session with a device that is not trusted: the spec's initial window only
     * (what it can send before this node credits anything) and at most {@code maxStreams} streams.
     */
    public YamuxConfig forUntrusted(int maxStreams) {
        return new YamuxConfig(YamuxFrame.INITIAL_WINDOW, Math.min(maxInboundStreams, maxStreams), maxDataFrame);
    }

    public static YamuxConfig defaults() {
        return new YamuxConfig(1024 * 1024, 256, 64 * 1024);
    }
}
