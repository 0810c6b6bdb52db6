package io.rhizome.crdt.internal.seq;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Comparator;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.SortedMap;

/**
 * Entries already sorted by key, as a read-only {@link SortedMap}: {@code TreeMap.putAll} into an
 * empty map builds its tree from a sorted map in linear time, where putting the entries one by one
 * costs a search and a rebalance each (most of decoding a large sequence state). Only what
 * {@code putAll} reads is supported.
 */
final class SortedEntries<V> extends AbstractMap<Integer, V> implements SortedMap<Integer, V> {

    private final int[] keys;
    private final V[] values;
    private final int n;

    SortedEntries(int[] keys, V[] values, int n) {
        this.keys = keys;
        this.values = values;
        this.n = n;
    }

    @Override
    public Comparator<? super Integer> comparator() {
        return null;
    }

    @Override
    public Set<Map.Entry<Integer, V>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public int size() {
                return n;
            }

            @Override
            public Iterator<Map.Entry<Integer, V>> iterator() {
                return new Iterator<>() {
                    private int i;

                    @Override
                    public boolean hasNext() {
                        return i < n;
                    }

                    @Override
                    public Map.Entry<Integer, V> next() {
                        if (i >= n) {
                            throw new NoSuchElementException();
                        }
                        Map.Entry<Integer, V> e = new SimpleImmutableEntry<>(keys[i], values[i]);
                        i++;
                        return e;
                    }
                };
            }
        };
    }

    @Override
    public Integer firstKey() {
        if (n == 0) {
            throw new NoSuchElementException();
        }
        return keys[0];
    }

    @Override
    public Integer lastKey() {
        if (n == 0) {
            throw new NoSuchElementException();
        }
        return keys[n - 1];
    }

    @Override
    public SortedMap<Integer, V> subMap(Integer from, Integer to) {
        throw new UnsupportedOperationException("a sorted source for TreeMap.putAll only");
    }

    @Override
    public SortedMap<Integer, V> headMap(Integer to) {
        throw new UnsupportedOperationException("a sorted source for TreeMap.putAll only");
    }

    @Override
    public SortedMap<Integer, V> tailMap(Integer from) {
        throw new UnsupportedOperationException("a sorted source for TreeMap.putAll only");
    }
}
