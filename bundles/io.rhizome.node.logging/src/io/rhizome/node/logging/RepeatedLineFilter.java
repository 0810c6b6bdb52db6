package io.rhizome.node.logging;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Marker;
import org.slf4j.MarkerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;

/**
 * Lets each kind of log line (one logger, one message pattern) through {@code burst} times per
 * interval; the rest of that interval is counted, not written, and one summary line says how many
 * were left out. A node listening on every interface can be made to log by anyone who connects:
 * without this, a reconnect storm wrote 58 MB of log in 45 s.
 *
 * <p>Keyed by the message pattern before its arguments are filled in, so "refusing connection from
 * {}" from a thousand addresses is one kind. At most {@code maxKinds} kinds are tracked per interval;
 * past that, lines of new kinds pass unthrottled until the interval ends.
 */
public final class RepeatedLineFilter extends TurboFilter {

    static final Marker SUMMARY = MarkerFactory.getMarker("rhizome-log-summary");

    private record Kind(String logger, Level level, String pattern) {
    }

    private static final class Count {
        final Logger logger;
        final AtomicLong seen = new AtomicLong();

        Count(Logger logger) {
            this.logger = logger;
        }
    }

    private final int burst;
    private final long intervalMillis;
    private final int maxKinds;
    private final Map<Kind, Count> window = new ConcurrentHashMap<>();
    private ScheduledExecutorService timer;

    public RepeatedLineFilter(int burst, long intervalMillis, int maxKinds) {
        this.burst = burst;
        this.intervalMillis = intervalMillis;
        this.maxKinds = maxKinds;
    }

    @Override
    public void start() {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "rhizome-log-summary");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(this::endInterval, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
        super.start();
    }

    @Override
    public void stop() {
        if (timer != null) {
            timer.shutdownNow();
        }
        endInterval();
        super.stop();
    }

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        if (format == null || marker == SUMMARY || !level.isGreaterOrEqual(logger.getEffectiveLevel())) {
            return FilterReply.NEUTRAL;
        }
        Kind kind = new Kind(logger.getName(), level, format);
        Count c = window.get(kind);
        if (c == null) {
            if (window.size() >= maxKinds) {
                return FilterReply.NEUTRAL;
            }
            c = window.computeIfAbsent(kind, k -> new Count(logger));
        }
        return c.seen.incrementAndGet() <= burst ? FilterReply.NEUTRAL : FilterReply.DENY;
    }

    /** Writes one summary per kind that went over its burst, and starts a new interval. */
    void endInterval() {
        List<Map.Entry<Kind, Count>> ended = new ArrayList<>(window.entrySet());
        window.clear();
        for (Map.Entry<Kind, Count> e : ended) {
            long left = e.getValue().seen.get() - burst;
            if (left > 0) {
                Kind k = e.getKey();
                e.getValue().logger.log(SUMMARY, Logger.FQCN, Level.toLocationAwareLoggerInteger(k.level()),
                        "{} more lines like \"{}\" left out in the last {} ms (at most {} of a kind per interval are written)",
                        new Object[] {left, k.pattern(), intervalMillis, burst}, null);
            }
        }
    }
}
