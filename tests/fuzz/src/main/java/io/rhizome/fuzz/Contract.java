package io.rhizome.fuzz;

import java.lang.management.ManagementFactory;
import java.util.Arrays;

/**
 * The oracle every fuzz target applies to one input: the decoder returns a value or throws one of
 * its documented exception types; anything else that escapes (NullPointerException,
 * ArrayIndexOutOfBoundsException, ClassCastException, OutOfMemoryError, StackOverflowError, ...)
 * is rethrown as it is, so that Jazzer reports it with the decoder's own stack trace.
 *
 * <p>Allocation is bounded too: a decoder that sizes a buffer from a length field instead of from
 * the bytes it was given allocates far more than its input. The bytes the calling thread allocates
 * during the decode are counted (HotSpot's per-thread allocation counter) and must stay under
 * {@code base + perInputByte × input length}; above it, {@link UnboundedAllocation} is thrown.
 * An input during which classes were loaded is not held to the bound (class loading, Jazzer's
 * instrumentation and Jackson's deserializer caches allocate on first use; the same input runs
 * again later, warm). Hangs are Jazzer's part: run.sh passes {@code -timeout}, the per-input time bound.
 */
public final class Contract {

    /** The decode under test. */
    @FunctionalInterface
    public interface Decode {
        void run() throws Throwable;
    }

    /** A decode that allocated more than its input can justify. */
    public static final class UnboundedAllocation extends Error {
        private static final long serialVersionUID = 1L;

        UnboundedAllocation(String message) {
            super(message);
        }
    }

    /** A decode that answered a bad input with something other than its typed error, or changed state on error. */
    public static final class Violation extends Error {
        private static final long serialVersionUID = 1L;

        public Violation(String message) {
            super(message);
        }
    }

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final java.lang.management.ClassLoadingMXBean CLASSES = ManagementFactory.getClassLoadingMXBean();

    private final long base;
    private final long perInputByte;
    private final Class<?>[] typed;

    /**
     * @param base         bytes any decode may allocate whatever its input (parsers' buffers)
     * @param perInputByte bytes it may allocate per input byte
     * @param typed        the exception types the decoder documents for bad input
     */
    public Contract(long base, long perInputByte, Class<?>... typed) {
        this.base = base;
        this.perInputByte = perInputByte;
        this.typed = typed.clone();
    }

    /** A contract with the default allocation bound: 4 MiB plus 256 bytes per input byte. */
    public static Contract typed(Class<?>... typed) {
        return new Contract(4L << 20, 256, typed);
    }

    /**
     * Runs {@code decode} on {@code input}; true if it returned, false if it threw a typed error.
     * Any other throwable propagates; an allocation over the bound throws {@link UnboundedAllocation}.
     */
    public boolean check(byte[] input, Decode decode) {
        long classesBefore = CLASSES.getTotalLoadedClassCount();
        long before = THREADS.getCurrentThreadAllocatedBytes();
        boolean accepted;
        try {
            decode.run();
            accepted = true;
        } catch (Throwable t) {
            if (!isTyped(t)) {
                sneakyThrow(t);
            }
            accepted = false;
        }
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        long bound = base + perInputByte * input.length;
        // The first decode down a path loads (and Jazzer instruments) classes, and Jackson builds its
        // deserializers: that allocation is the JVM's, once, not the decoder's answer to this input.
        boolean warmUp = CLASSES.getTotalLoadedClassCount() != classesBefore;
        if (allocated > bound && !warmUp) {
            throw new UnboundedAllocation("decoding " + input.length + " bytes allocated " + allocated
                    + " bytes, more than the bound of " + bound + " (" + (accepted ? "accepted" : "rejected") + ")");
        }
        return accepted;
    }

    private boolean isTyped(Throwable t) {
        return Arrays.stream(typed).anyMatch(c -> c.isInstance(t));
    }

    /** Fails unless {@code before} and {@code after} are equal: a rejected input must change nothing. */
    public static void unchanged(String what, Object before, Object after) {
        boolean same = before instanceof byte[] b && after instanceof byte[] a ? Arrays.equals(b, a) : before.equals(after);
        if (!same) {
            throw new Violation(what + " changed although the input was rejected");
        }
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> void sneakyThrow(Throwable t) throws T {
        throw (T) t;
    }
}
