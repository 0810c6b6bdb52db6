package io.rhizome.core.internal.plugins;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.framework.Constants;

/**
 * Every bound service of one kind, grouped by a key (the SPI's selecting property, such as
 * {@code crdt.type}, or {@link #ONE} where one service of the kind is used), and the active one
 * per key: the OSGi choice, highest {@code service.ranking}, then lowest {@code service.id}. DS
 * binds and unbinds dynamic references on arbitrary threads; readers ask for the active service
 * on hot paths (every write, every seal), so changes are serialised and recompute the active entry
 * of their key, and reads take no lock.
 *
 * <p>Listeners are told, in order and on the thread that made the change, whenever the active
 * service of a key changes (a better one arrived, the active one left or its ranking changed);
 * they are called under the lock that orders changes, so they must not block or wait for another
 * thread that changes this set.
 *
 * @param <S> the service type (or a description of it)
 */
public final class RankedServices<S> {

    /** The key of a kind where one service is used (policy, encryption provider, store, key service). */
    public static final String ONE = "";

    /** One bound service. */
    public record Entry<S>(String key, long serviceId, int ranking, S service) {
    }

    /** Told when the active service of a key changes; {@code active} is empty when none is left. */
    @FunctionalInterface
    public interface Listener<S> {
        void activeChanged(String key, Optional<S> active);
    }

    static final Comparator<Entry<?>> BEST_FIRST = Comparator.<Entry<?>>comparingInt(Entry::ranking).reversed()
            .thenComparingLong(Entry::serviceId);

    private final Object lock = new Object();
    private final Map<Long, Entry<S>> byServiceId = new ConcurrentHashMap<>();
    private final Map<String, Entry<S>> active = new ConcurrentHashMap<>();
    private final List<Listener<S>> listeners = new CopyOnWriteArrayList<>();

    /** Adds a listener; it hears of changes from now on. */
    public void onActiveChange(Listener<S> listener) {
        listeners.add(listener);
    }

    /** Adds a service, or replaces the entry of the same {@code service.id} (a properties update). */
    public void put(String key, long serviceId, int ranking, S service) {
        Entry<S> entry = new Entry<>(key, serviceId, ranking, service);
        synchronized (lock) {
            Entry<S> previous = byServiceId.put(serviceId, entry);
            if (previous != null && !previous.key().equals(key)) {
                recompute(previous.key());
            }
            recompute(key);
        }
    }

    /** {@link #put} with the id and ranking read from DS service properties. */
    public void put(String key, S service, Map<String, ?> properties) {
        put(key, serviceId(properties), ranking(properties), service);
    }

    /** Removes the entry of a service; an unknown id changes nothing. */
    public void remove(long serviceId) {
        synchronized (lock) {
            Entry<S> removed = byServiceId.remove(serviceId);
            if (removed != null) {
                recompute(removed.key());
            }
        }
    }

    /** Removes the entry with the {@code service.id} in DS service properties. */
    public void remove(Map<String, ?> properties) {
        remove(serviceId(properties));
    }

    /** The active service of {@code key}. */
    public Optional<S> active(String key) {
        Entry<S> e = active.get(key);
        return e == null ? Optional.empty() : Optional.of(e.service());
    }

    /** The {@code service.id} of the active service of {@code key}. */
    public OptionalLong activeServiceId(String key) {
        Entry<S> e = active.get(key);
        return e == null ? OptionalLong.empty() : OptionalLong.of(e.serviceId());
    }

    /** Whether the service with this id is the active one of its key. */
    public boolean isActive(long serviceId) {
        Entry<S> e = byServiceId.get(serviceId);
        if (e == null) {
            return false;
        }
        Entry<S> a = active.get(e.key());
        return a != null && a.serviceId() == serviceId;
    }

    /** Every bound service, best first within each key. A snapshot. */
    public List<Entry<S>> entries() {
        List<Entry<S>> all = new ArrayList<>(byServiceId.values());
        all.sort(Comparator.<Entry<S>, String>comparing(Entry::key).thenComparing(BEST_FIRST));
        return all;
    }

    private void recompute(String key) {
        Entry<S> best = null;
        for (Entry<S> e : byServiceId.values()) {
            if (e.key().equals(key) && (best == null || BEST_FIRST.compare(e, best) < 0)) {
                best = e;
            }
        }
        Entry<S> before = best == null ? active.remove(key) : active.put(key, best);
        boolean changed = before == null ? best != null : best == null || before.serviceId() != best.serviceId();
        if (changed) {
            Optional<S> now = best == null ? Optional.empty() : Optional.of(best.service());
            for (Listener<S> l : listeners) {
                l.activeChanged(key, now);
            }
        }
    }

    /** The {@code service.id} in DS service properties. */
    public static long serviceId(Map<String, ?> properties) {
        return properties.get(Constants.SERVICE_ID) instanceof Long id ? id : 0L;
    }

    /** The {@code service.ranking} in DS service properties, 0 when absent or not an Integer (the OSGi rule). */
    public static int ranking(Map<String, ?> properties) {
        return properties.get(Constants.SERVICE_RANKING) instanceof Integer i ? i : 0;
    }
}
