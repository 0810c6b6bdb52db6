package io.rhizome.transport.libp2p.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * The bytes of inbound frames that links of one host may hold at once: a frame's whole length is
 * reserved when its length prefix arrives, before any of its bytes are credited back to the sender,
 * and released once it was handed to its receiver (or its link closed). A frame that does not fit
 * waits: its link withholds Yamux credit, so the sender stalls instead of this node buffering.
 *
 * <p>Why whole frames: reserving byte by byte lets several half-arrived frames exhaust the budget
 * with none able to finish; a reserved frame can always complete. Devices that are not trusted
 * reserve from a smaller share, so strangers cannot starve paired devices.
 *
 * <p>Thread-safe; waiters run on the thread that released (they hop onto their own event loop).
 */
public final class FrameBudget {

    private final long capacity;
    private final long untrustedCapacity;
    private final List<Runnable> waiters = new ArrayList<>();
    private long reserved;
    private long untrustedReserved;
    private long highWater;
    private long refusedUntrusted;

    public FrameBudget(long capacity, long untrustedCapacity) {
        if (capacity < SyncLink.MAX_MESSAGE || untrustedCapacity < 1 || untrustedCapacity > capacity) {
            throw new IllegalArgumentException("frame budget of " + capacity + " bytes (untrusted share " + untrustedCapacity
                    + ") must hold one largest message of " + SyncLink.MAX_MESSAGE + " bytes, and the share must lie within it");
        }
        this.capacity = capacity;
        this.untrustedCapacity = untrustedCapacity;
    }

    /**
     * Reserves {@code bytes} at once if they fit, else registers {@code whenFreed} to be run once
     * after the next release (then the caller tries again).
     */
    public boolean reserveOrWait(long bytes, boolean trusted, Runnable whenFreed) {
        synchronized (this) {
            boolean fits = reserved + bytes <= capacity && (trusted || untrustedReserved + bytes <= untrustedCapacity);
            if (fits) {
                reserved += bytes;
                if (!trusted) {
                    untrustedReserved += bytes;
                }
                highWater = Math.max(highWater, reserved);
                return true;
            }
            waiters.add(whenFreed);
            return false;
        }
    }

    public void release(long bytes, boolean trusted) {
        List<Runnable> wake;
        synchronized (this) {
            reserved -= bytes;
            if (!trusted) {
                untrustedReserved -= bytes;
            }
            wake = List.copyOf(waiters);
            waiters.clear();
        }
        wake.forEach(Runnable::run);
    }

    /** Counts a frame refused because its device is not trusted and it is larger than strangers may send. */
    synchronized void refusedUntrusted() {
        refusedUntrusted++;
    }

    public synchronized long reserved() {
        return reserved;
    }

    public synchronized long untrustedReserved() {
        return untrustedReserved;
    }

    /** The most ever reserved at once. */
    public synchronized long highWater() {
        return highWater;
    }

    public synchronized long refusedUntrustedFrames() {
        return refusedUntrusted;
    }

    public synchronized int waiting() {
        return waiters.size();
    }

    public long capacity() {
        return capacity;
    }
}
