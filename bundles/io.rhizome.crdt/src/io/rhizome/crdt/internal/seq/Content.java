package io.rhizome.crdt.internal.seq;

import java.util.Arrays;

/**
 * The live (not deleted) elements of one leaf, in document order. Deleted elements are never stored:
 * their content is dropped the moment they are deleted, only their ids stay (as tombstone runs).
 */
abstract class Content {

    abstract int size();

    /** Inserts {@code n} elements of {@code source} (an {@code int[]} or {@code Object[]}) at {@code at}. */
    abstract void insert(int at, Object source, int from, int n);

    abstract void remove(int at, int n);

    /** Moves the elements from {@code at} to the end into a new content. */
    abstract Content splitOff(int at);

    static Content create(boolean text) {
        return text ? new Chars() : new Values();
    }

    /** Unicode code points. */
    static final class Chars extends Content {
        int[] data = new int[16];
        int size;

        @Override
        int size() {
            return size;
        }

        @Override
        void insert(int at, Object source, int from, int n) {
            if (size + n > data.length) {
                data = Arrays.copyOf(data, Math.max(data.length * 2, size + n));
            }
            System.arraycopy(data, at, data, at + n, size - at);
            System.arraycopy((int[]) source, from, data, at, n);
            size += n;
        }

        @Override
        void remove(int at, int n) {
            System.arraycopy(data, at + n, data, at, size - at - n);
            size -= n;
        }

        @Override
        Content splitOff(int at) {
            Chars out = new Chars();
            out.data = Arrays.copyOfRange(data, at, Math.max(at + 16, size));
            out.size = size - at;
            size = at;
            if (data.length > 64 && size < data.length / 4) {
                data = Arrays.copyOf(data, Math.max(16, size * 2));
            }
            return out;
        }
    }

    /** JSON values of a list. */
    static final class Values extends Content {
        Object[] data = new Object[8];
        int size;

        @Override
        int size() {
            return size;
        }

        @Override
        void insert(int at, Object source, int from, int n) {
            if (size + n > data.length) {
                data = Arrays.copyOf(data, Math.max(data.length * 2, size + n));
            }
            System.arraycopy(data, at, data, at + n, size - at);
            System.arraycopy((Object[]) source, from, data, at, n);
            size += n;
        }

        @Override
        void remove(int at, int n) {
            System.arraycopy(data, at + n, data, at, size - at - n);
            Arrays.fill(data, size - n, size, null);
            size -= n;
        }

        @Override
        Content splitOff(int at) {
            Values out = new Values();
            out.data = Arrays.copyOfRange(data, at, Math.max(at + 8, size));
            out.size = size - at;
            Arrays.fill(data, at, size, null);
            size = at;
            return out;
        }
    }
}
