package io.rhizome.testsupport;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** The reactor's tests keep this name; the bounded wait itself ships in {@code io.rhizome.conformance}. */
public final class Await {

    private Await() {
    }

    public static void until(Duration timeout, String what, BooleanSupplier condition) {
        io.rhizome.conformance.Await.until(timeout, what, condition);
    }
}
