package io.rhizome.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The stages of a pairing as {@code rhizome pair} waits ({@code GET /api/v1/pair}: {@code stage},
 * {@code catchUp}): on a terminal one line redrawn on standard error — the time and attempts left
 * while waiting for the joiner, then a bar of the mesh catch-up with the new device; elsewhere one
 * plain line per stage, so a log shows the stages without a line per poll.
 */
final class PairingProgress {

    /** How long {@code pair} shows the catch-up before it hands over to {@code sync --wait}. */
    static final Duration CATCH_UP_WAIT = Duration.ofMinutes(2);
    private static final int BAR = 30;

    private final PrintStream err;
    private final boolean terminal;
    private String lastStage = "";
    private boolean drawn;
    private long mostLeft;

    PairingProgress(PrintStream err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
    }

    void show(JsonNode invitation) {
        String stage = invitation.path("stage").asText();
        String text = text(invitation);
        if (terminal) {
            err.print("\r" + text + "\u001b[K");
            err.flush();
            drawn = true;
        } else if (!stage.equals(lastStage)) {
            err.println("pair: " + text);
        }
        lastStage = stage;
    }

    void end() {
        if (terminal && drawn) {
            err.println();
            drawn = false;
        }
    }

    String text(JsonNode i) {
        String stage = i.path("stage").asText();
        return switch (stage) {
            case "waiting-for-joiner" -> "waiting for the other device: " + i.path("secondsLeft").asLong() + " s left, "
                    + i.path("attemptsLeft").asInt() + " attempt(s) left";
            case "connecting" -> "key agreed with " + i.path("pairedWith").asText() + "; connecting for the mesh catch-up...";
            case "catching-up" -> catchUp(i.path("catchUp"));
            default -> stage;
        };
    }

    private String catchUp(JsonNode c) {
        long left = c.path("incoming").asLong() + c.path("outgoing").asLong();
        mostLeft = Math.max(mostLeft, left);
        long done = mostLeft - left;
        int filled = mostLeft == 0 ? 0 : (int) (BAR * done / mostLeft);
        return "mesh catch-up [" + "#".repeat(filled) + ".".repeat(BAR - filled) + "] "
                + String.format(Locale.ROOT, "%,d / %,d change sets", done, mostLeft)
                + (c.path("etaSeconds").isNumber() ? "  ETA " + StatusView.human(Duration.ofSeconds(c.path("etaSeconds").asLong())) : "");
    }
}
