package io.rhizome.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A backup's or restore's progress lines ({@code {"records","totalRecords","bytes","chunks",
 * "totalChunks","elapsedMillis","etaMillis"}}) on standard error: on a terminal one bar redrawn in
 * place; otherwise (a pipe, a log) a plain line at most every {@link #PLAIN_EVERY_MILLIS} and one at
 * the end, so logs stay short.
 */
final class ProgressView {

    static final long PLAIN_EVERY_MILLIS = 2000;
    private static final int BAR = 30;

    private final PrintStream err;
    private final String what;
    private final boolean terminal;
    private JsonNode last;
    private long lastPlain = -PLAIN_EVERY_MILLIS;
    private boolean drawn;
    private String lastText = "";

    private final Function<JsonNode, String> text;
    private final ToDoubleFunction<JsonNode> share;
    /** Off a terminal, say nothing of an operation shorter than {@link #PLAIN_EVERY_MILLIS} (an import of a few lines stays quiet). */
    private boolean quietWhenShort;
    private boolean printedPlain;

    ProgressView(PrintStream err, String what, boolean terminal) {
        this(err, what, terminal, ProgressView::text, ProgressView::share);
    }

    /** A view of other progress lines (an import's, an export's: {@link OperationProgress}). */
    ProgressView(PrintStream err, String what, boolean terminal, Function<JsonNode, String> text, ToDoubleFunction<JsonNode> share) {
        this.err = err;
        this.what = what;
        this.terminal = terminal;
        this.text = text;
        this.share = share;
    }

    ProgressView quietWhenShort() {
        quietWhenShort = true;
        lastPlain = 0;
        return this;
    }

    void show(JsonNode p) {
        last = p;
        if (terminal) {
            err.print("\r" + bar(share.applyAsDouble(p), text.apply(p)) + "\u001b[K");
            err.flush();
            drawn = true;
        } else if (p.path("elapsedMillis").asLong() - lastPlain >= PLAIN_EVERY_MILLIS) {
            lastPlain = p.path("elapsedMillis").asLong();
            plain(p);
        }
    }

    /** Ends the bar (a newline) or prints the last plain line if it was not printed. */
    void end() {
        if (last == null) {
            return;
        }
        if (terminal) {
            if (drawn) {
                err.println();
            }
        } else if ((printedPlain || !quietWhenShort) && !text.apply(last).equals(lastText)) {
            plain(last);
        }
    }

    private void plain(JsonNode p) {
        printedPlain = true;
        lastText = text.apply(p);
        err.println(what + ": " + lastText);
    }

    static String bar(JsonNode p) {
        return bar(share(p), text(p));
    }

    static String bar(double share, String text) {
        int filled = (int) Math.round(share * BAR);
        return "[" + "#".repeat(filled) + ".".repeat(BAR - filled) + "] " + String.format(Locale.ROOT, "%3d%%", Math.round(share * 100)) + " "
                + text;
    }

    static String text(JsonNode p) {
        long records = p.path("records").asLong();
        long total = p.path("totalRecords").asLong(-1);
        StringBuilder b = new StringBuilder();
        b.append(records);
        if (total >= 0) {
            b.append('/').append(total);
        }
        b.append(" records, ").append(p.path("chunks").asInt());
        if (p.path("totalChunks").asInt(-1) >= 0) {
            b.append('/').append(p.path("totalChunks").asInt());
        }
        b.append(" chunks, ").append(bytes(p.path("bytes").asLong()));
        if (p.has("etaMillis")) {
            b.append(", ETA ").append(StatusView.human(Duration.ofMillis(p.path("etaMillis").asLong())));
        }
        return b.toString();
    }

    private static double share(JsonNode p) {
        long total = p.path("totalRecords").asLong(-1);
        if (total > 0) {
            return Math.min(1.0, (double) p.path("records").asLong() / total);
        }
        return total == 0 ? 1.0 : 0.0;
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        if (n < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", n / 1024.0);
        }
        if (n < 1024L * 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f MiB", n / (1024.0 * 1024));
        }
        return String.format(Locale.ROOT, "%.2f GiB", n / (1024.0 * 1024 * 1024));
    }
}
