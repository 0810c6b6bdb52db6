package io.rhizome.crdt.internal.seq;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The ids of a {@link SeqDoc}: the agents, numbered locally in order of first appearance (ids on
 * the wire use their names), how many elements each has inserted, and per agent a sorted map from
 * element number to the leaf holding it, keyed by the first element of each range in one leaf.
 *
 * <p>The document keeps this index current as runs move between leaves; finding the run inside the
 * leaf is the leaf's ({@link SeqLeaf#runOf}). Not thread-safe.
 */
final class SeqIds {

    final ArrayList<String> names = new ArrayList<>();
    private final HashMap<String, Integer> agentIds = new HashMap<>();
    /** Per agent: how many elements it has inserted (the next element number). */
    int[] nextElement = new int[4];
    /** Per agent: element number -> leaf, keyed by the first element of each range in one leaf. */
    private final ArrayList<TreeMap<Integer, SeqLeaf>> index = new ArrayList<>();

    /** The local number of an agent, numbering it if it is new. */
    int agent(String name) {
        Integer id = agentIds.get(name);
        if (id != null) {
            return id;
        }
        int a = names.size();
        names.add(name);
        agentIds.put(name, a);
        index.add(new TreeMap<>());
        if (a >= nextElement.length) {
            nextElement = Arrays.copyOf(nextElement, a * 2);
        }
        return a;
    }

    /** The local number of an agent, or {@link SeqDoc#NONE} if it has inserted nothing here. */
    int agentIfKnown(String name) {
        Integer id = agentIds.get(name);
        return id == null ? SeqDoc.NONE : id;
    }

    boolean contains(int agent, int element) {
        return agent >= 0 && agent < names.size() && element >= 0 && element < nextElement[agent];
    }

    /** The leaf that the index holds for the element {@code (agent, element)}, which must exist. */
    SeqLeaf leafOf(int agent, int element) {
        return index.get(agent).floorEntry(element).getValue();
    }

    /** Records that the elements {@code [from, to)} of {@code agent} now live in {@code leaf}. */
    void put(int agent, int from, int to, SeqLeaf leaf) {
        TreeMap<Integer, SeqLeaf> m = index.get(agent);
        Map.Entry<Integer, SeqLeaf> floor = m.floorEntry(from);
        if (floor != null && floor.getValue() == leaf) {
            Integer higher = m.higherKey(from);
            if (higher == null || higher >= to) {
                return; // already mapped
            }
        }
        SeqLeaf after = null;
        if (to < nextElement[agent] && !m.containsKey(to)) {
            Map.Entry<Integer, SeqLeaf> f = m.floorEntry(to);
            after = f == null ? null : f.getValue();
        }
        m.subMap(from, true, to, false).clear();
        m.put(from, leaf);
        if (after != null) {
            m.put(to, after);
        }
    }

    /**
     * Records that the elements of {@code agent} from {@code first} on live in {@code leaf}, up to
     * the next entry: for a bulk build, which adds runs in document order to an empty index.
     */
    void putFirst(int agent, int first, SeqLeaf leaf) {
        index.get(agent).put(first, leaf);
    }

    /** Sets the index of a fresh agent from entries sorted by element number, in linear time. */
    void putSorted(int agent, int[] keys, SeqLeaf[] leaves, int n) {
        index.get(agent).putAll(new SortedEntries<>(keys, leaves, n));
    }
}
