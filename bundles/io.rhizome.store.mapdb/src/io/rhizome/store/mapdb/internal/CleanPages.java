package io.rhizome.store.mapdb.internal;

import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The bounded cache of pages as they are in the data file, shared by concurrent readers. Eviction
 * is cheap and rough (an eighth of the pages at a time, in no particular order): the OS page cache
 * keeps the hot part of the file anyway.
 */
final class CleanPages {

    private final int maxPages;
    private final ConcurrentHashMap<Long, byte[]> pages = new ConcurrentHashMap<>();

    CleanPages(int maxPages) {
        this.maxPages = maxPages;
    }

    byte[] get(long index) {
        return pages.get(index);
    }

    /** Caches a page read from the file, evicting others when full. */
    void add(long index, byte[] page) {
        if (pages.size() >= maxPages) {
            int drop = maxPages / 8;
            Iterator<Long> it = pages.keySet().iterator();
            while (drop-- > 0 && it.hasNext()) {
                it.next();
                it.remove();
            }
        }
        pages.put(index, page);
    }

    /** After a commit: a page just written replaces its cached copy, or is cached while there is room. */
    void committed(long index, byte[] page) {
        if (pages.containsKey(index) || pages.size() < maxPages) {
            pages.put(index, page);
        }
    }

    /** Drops the pages at or beyond a file length the file shrank to. */
    void dropBeyond(long length) {
        pages.keySet().removeIf(index -> (index << PagedRedoVolume.PAGE_SHIFT) >= length);
    }

    void clear() {
        pages.clear();
    }
}
