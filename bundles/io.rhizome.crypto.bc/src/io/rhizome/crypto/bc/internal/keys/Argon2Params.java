package io.rhizome.crypto.bc.internal.keys;

/**
 * Argon2id cost parameters. Defaults follow RFC 9106 section 4, second recommended option
 * (64 MiB, 3 passes, 4 lanes). They are stored in the key-store header, so changing the
 * configuration affects only key stores created afterwards.
 */
public record Argon2Params(int memoryKiB, int iterations, int parallelism) {

    public static final Argon2Params DEFAULT = new Argon2Params(64 * 1024, 3, 4);
    /** Upper bounds, so a hostile key-store header cannot make the node allocate or spin without limit. */
    public static final int MAX_MEMORY_KIB = 1024 * 1024;
    public static final int MAX_ITERATIONS = 64;
    public static final int MAX_PARALLELISM = 16;

    /** @throws IllegalArgumentException when a parameter is out of range; the message names it */
    public Argon2Params {
        if (parallelism < 1 || parallelism > MAX_PARALLELISM) {
            throw new IllegalArgumentException("argon2.parallelism must be 1.." + MAX_PARALLELISM + ", got " + parallelism);
        }
        if (memoryKiB < 8 * parallelism || memoryKiB > MAX_MEMORY_KIB) {
            throw new IllegalArgumentException("argon2.memoryKiB must be " + 8 * parallelism + ".." + MAX_MEMORY_KIB + ", got " + memoryKiB);
        }
        if (iterations < 1 || iterations > MAX_ITERATIONS) {
            throw new IllegalArgumentException("argon2.iterations must be 1.." + MAX_ITERATIONS + ", got " + iterations);
        }
    }
}
