package io.rhizome.rest.internal;

import java.util.OptionalLong;

/**
 * The time left of a piece of work from its pace so far: {@code elapsed × left / done}. Empty
 * until there is a pace to go by (nothing done yet, or no known total); zero once done reaches
 * the total.
 */
final class Eta {

    private Eta() {
    }

    static OptionalLong millis(long elapsedMillis, long done, long total) {
        if (total < 0 || (done <= 0 && total > 0)) {
            return OptionalLong.empty();
        }
        if (done >= total) {
            return OptionalLong.of(0);
        }
        return OptionalLong.of((long) (elapsedMillis * ((double) (total - done) / done)));
    }
}
