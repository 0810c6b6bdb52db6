package io.rhizome.examples.notes.it;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/** The bounded wait: polls a condition until it holds; at the deadline the test fails. */
final class Await {
    private Await() {
    }

    static void until(String what, Duration timeout, Callable<Boolean> condition) throws Exception {
        until(what, timeout, condition, () -> "");
    }

    static void until(String what, Duration timeout, Callable<Boolean> condition, Supplier<String> last) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.call()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting until " + what.formatted(last.get()));
            }
            Thread.sleep(100);
        }
    }
}
