package io.rhizome.transport.libp2p.internal;

/**
 * What remote parties may make a host hold and occupy, beyond {@link Libp2pConfig}.
 *
 * @param frameBudgetBytes         bytes of inbound frames all links may hold at once ({@link FrameBudget})
 * @param untrustedFrameBudgetBytes the share of it devices that are not trusted may hold
 * @param untrustedMaxMessage      largest frame a device that is not trusted may send (pairing messages fit)
 * @param maxHandshakes            inbound connections still handshaking at once; past it the oldest is dropped
 * @param maxHandshakesPerAddress  inbound connections still handshaking from one IP address; past it new ones are refused
 * @param maxUntrustedPerAddress   established connections of devices that are not trusted from one IP address
 */
public record InboundLimits(long frameBudgetBytes, long untrustedFrameBudgetBytes, int untrustedMaxMessage,
        int maxHandshakes, int maxHandshakesPerAddress, int maxUntrustedPerAddress) {

    public InboundLimits {
        if (untrustedMaxMessage < 1 || untrustedMaxMessage > SyncLink.MAX_MESSAGE || maxHandshakes < 1
                || maxHandshakesPerAddress < 1 || maxUntrustedPerAddress < 1) {
            throw new IllegalArgumentException("inbound limits must be positive (and a stranger's frame at most "
                    + SyncLink.MAX_MESSAGE + " bytes)");
        }
        new FrameBudget(frameBudgetBytes, untrustedFrameBudgetBytes); // checks the budget's bounds
    }

    /**
     * Concurrent streams a device that is not trusted may open on one connection (pairing, identify,
     * ping and sync need four); its streams also get only Yamux's initial 256 KiB window, so one
     * connection of a stranger holds at most 8 x 256 KiB before this node credits anything.
     */
    public static final int UNTRUSTED_MAX_STREAMS = 8;

    public static InboundLimits defaults() {
        return new InboundLimits(64L << 20, 8L << 20, 256 * 1024, 64, 8, 8);
    }

    public InboundLimits withFrameBudget(long bytes, long untrustedBytes) {
        return new InboundLimits(bytes, untrustedBytes, untrustedMaxMessage, maxHandshakes, maxHandshakesPerAddress,
                maxUntrustedPerAddress);
    }

    public InboundLimits withHandshakes(int max, int perAddress) {
        return new InboundLimits(frameBudgetBytes, untrustedFrameBudgetBytes, untrustedMaxMessage, max, perAddress,
                maxUntrustedPerAddress);
    }

    public InboundLimits withUntrustedPerAddress(int max) {
        return new InboundLimits(frameBudgetBytes, untrustedFrameBudgetBytes, untrustedMaxMessage, maxHandshakes,
                maxHandshakesPerAddress, max);
    }
}
