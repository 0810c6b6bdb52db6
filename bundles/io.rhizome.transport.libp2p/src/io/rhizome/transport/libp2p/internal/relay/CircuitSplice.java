package io.rhizome.transport.libp2p.internal.relay;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.EventExecutor;
import io.rhizome.transport.libp2p.internal.yamux.StreamHandler;
import io.rhizome.transport.libp2p.internal.yamux.YamuxStream;

/**
 * The relay's half of a relayed connection: bytes from the initiator's hop stream go to the
 * target's stop stream and back, up to the circuit's data limit in each direction and its duration;
 * then both streams are reset. A sender is credited only once its bytes were written on the other
 * side, so a slow receiver stalls the sender instead of filling the relay's memory.
 */
final class CircuitSplice {

    private static final Logger LOG = LoggerFactory.getLogger(CircuitSplice.class);

    private final YamuxStream hop;
    private final YamuxStream stop;
    private final long dataLimit;
    private final String label;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Runnable onClosed;
    private final Direction toStop;
    private final Direction toHop;
    private volatile ScheduledFuture<?> timer;
    private volatile String closeReason = "";

    /**
     * @param onClosed called once, when the circuit ends for any reason
     */
    CircuitSplice(YamuxStream hop, YamuxStream stop, long dataLimit, String label, Runnable onClosed) {
        this.hop = hop;
        this.stop = stop;
        this.dataLimit = dataLimit;
        this.label = label;
        this.onClosed = onClosed;
        this.toStop = new Direction(stop, "initiator to target");
        this.toHop = new Direction(hop, "target to initiator");
    }

    /**
     * The handler for the stop stream's events. The stop stream lives on another connection's
     * event loop: its owner hands each event to this handler on the hop stream's event loop, so the
     * whole circuit is confined to one thread.
     */
    StreamHandler fromStop() {
        return toHop;
    }

    /**
     * Installs the hop stream's handler and forwards what already arrived (bytes already credited).
     * Call on the hop stream's event loop; the stop stream must be in manual credit mode already.
     */
    void start(ByteBuf earlyFromHop, ByteBuf earlyFromStop, Duration duration, EventExecutor executor) {
        hop.manualCredit(true);
        hop.handler(toStop);
        if (!duration.isZero()) {
            timer = executor.schedule(() -> close("its duration limit of " + duration.toSeconds() + " s was reached"),
                    duration.toMillis(), TimeUnit.MILLISECONDS);
        }
        toStop.forward(hop, earlyFromHop, false);
        toHop.forward(stop, earlyFromStop, false);
        earlyFromHop.release();
        earlyFromStop.release();
    }

    String closeReason() {
        return closeReason;
    }

    void close(String reason) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closeReason = reason;
        ScheduledFuture<?> t = timer;
        if (t != null) {
            t.cancel(false);
        }
        LOG.info("closing relayed connection {}: {}", label, reason);
        hop.reset();
        stop.reset();
        onClosed.run();
    }

    private final class Direction implements StreamHandler {
        private final YamuxStream to;
        private final String name;
        private final AtomicLong forwarded = new AtomicLong();
        private boolean finished;

        Direction(YamuxStream to, String name) {
            this.to = to;
            this.name = name;
        }

        @Override
        public void onData(YamuxStream from, ByteBuf data) {
            forward(from, data, true);
        }

        void forward(YamuxStream from, ByteBuf data, boolean credit) {
            int n = data.readableBytes();
            if (n == 0 || closed.get()) {
                return;
            }
            long before = forwarded.getAndAdd(n);
            long allowed = dataLimit == 0 ? n : Math.max(0, Math.min(n, dataLimit - before));
            if (allowed > 0) {
                to.write(data.retainedSlice(data.readerIndex(), (int) allowed)).whenComplete((v, err) -> {
                    if (credit && err == null) {
                        from.credit(n);
                    }
                });
            }
            if (dataLimit > 0 && before + n >= dataLimit) {
                close("its data limit of " + dataLimit + " bytes " + name + " was reached");
            }
        }

        @Override
        public void onRemoteClose(YamuxStream from) {
            if (!finished) {
                finished = true;
                to.closeWrite();
            }
        }

        @Override
        public void onClose(YamuxStream from, Throwable cause) {
            if (cause != null) {
                close(name + " stream ended: " + cause.getMessage());
            } else if (to.isClosed()) {
                close("both sides closed");
            }
        }
    }
}
