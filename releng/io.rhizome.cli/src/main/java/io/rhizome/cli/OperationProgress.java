package io.rhizome.cli;

import java.time.Duration;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * How an import's, export's or join's operation record ({@code {"kind","phase","unit","done","total",
 * "bytes","totalBytes","etaMillis"}}, in progress lines and in {@code status}) reads: {@code
 * writing 1,500/5,000 lines, 120.0 KiB/400.0 KiB, ETA 3s}.
 */
final class OperationProgress {

    private OperationProgress() {
    }

    static String text(JsonNode p) {
        StringBuilder b = new StringBuilder(p.path("phase").asText());
        long total = p.path("total").asLong(-1);
        String unit = p.path("unit").asText("items");
        if (!unit.equals("bytes")) {
            b.append(' ').append(String.format(Locale.ROOT, "%,d", p.path("done").asLong()));
            if (total >= 0) {
                b.append(String.format(Locale.ROOT, "/%,d", total));
            }
            b.append(' ').append(unit).append(',');
        }
        b.append(' ').append(ProgressView.bytes(p.path("bytes").asLong()));
        if (p.path("totalBytes").asLong(-1) >= 0) {
            b.append('/').append(ProgressView.bytes(p.path("totalBytes").asLong()));
        }
        if (p.path("etaMillis").isNumber() && p.path("state").asText("running").equals("running")) {
            b.append(", ETA ").append(StatusView.human(Duration.ofMillis(p.path("etaMillis").asLong())));
        }
        if (p.path("error").isTextual()) {
            b.append(", failed: ").append(p.path("error").asText());
        }
        return b.toString();
    }

    static double share(JsonNode p) {
        long total = p.path("total").asLong(-1);
        if (total > 0) {
            return Math.min(1.0, (double) p.path("done").asLong() / total);
        }
        return total == 0 ? 1.0 : 0.0;
    }

    /** {@code import-3 (import) running: writing 1,500/5,000 lines, …} for {@code status}. */
    static String statusLine(JsonNode op) {
        return op.path("id").asText() + " " + op.path("state").asText() + ": " + text(op);
    }
}
