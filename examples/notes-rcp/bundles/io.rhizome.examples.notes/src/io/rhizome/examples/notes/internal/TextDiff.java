package io.rhizome.examples.notes.internal;

/**
 * The one replaced range that turns {@code before} into {@code after}: the common prefix and
 * suffix are kept, the middle of {@code before} ({@code start} to {@code end}) is replaced by
 * {@code replacement}. Offsets are UTF-16 indexes, as SWT counts them; the range never splits a
 * surrogate pair.
 */
record TextDiff(int start, int end, String replacement) {

    static TextDiff between(String before, String after) {
        int max = Math.min(before.length(), after.length());
        int prefix = 0;
        while (prefix < max && before.charAt(prefix) == after.charAt(prefix)) {
            prefix++;
        }
        if (prefix > 0 && Character.isHighSurrogate(before.charAt(prefix - 1))) {
            prefix--;
        }
        int suffix = 0;
        while (suffix < max - prefix
                && before.charAt(before.length() - 1 - suffix) == after.charAt(after.length() - 1 - suffix)) {
            suffix++;
        }
        if (suffix > 0 && Character.isLowSurrogate(before.charAt(before.length() - suffix))) {
            suffix--;
        }
        return new TextDiff(prefix, before.length() - suffix, after.substring(prefix, after.length() - suffix));
    }

    boolean isEmpty() {
        return start == end && replacement.isEmpty();
    }

    /** Where an offset of the old text lies in the new one: behind the range it moves with it. */
    int shift(int offset) {
        if (offset <= start) {
            return offset;
        }
        if (offset >= end) {
            return offset + replacement.length() - (end - start);
        }
        return start + replacement.length();
    }
}
