package io.rhizome.store.mapdb.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** A page of a {@link PagedRedoVolume} changed since the last sync, with the range of bytes that changed. */
final class DirtyPage {
    final byte[] data;
    int lo = PagedRedoVolume.PAGE_SIZE;
    int hi;

    DirtyPage(byte[] data) {
        this.data = data;
    }

    void mark(int from, int to) {
        lo = Math.min(lo, from);
        hi = Math.max(hi, to);
    }

    /** The changed bytes of every page, in file order: the data file is then written front to back. */
    static List<RedoFile.PageChange> changes(Map<Long, DirtyPage> dirty) {
        List<Long> order = new ArrayList<>(dirty.keySet());
        order.sort(null);
        List<RedoFile.PageChange> changes = new ArrayList<>(order.size());
        for (Long index : order) {
            DirtyPage page = dirty.get(index);
            if (page.hi > page.lo) {
                changes.add(new RedoFile.PageChange((index << PagedRedoVolume.PAGE_SHIFT) + page.lo,
                        Arrays.copyOfRange(page.data, page.lo, page.hi)));
            }
        }
        return changes;
    }
}
