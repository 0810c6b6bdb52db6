package io.rhizome.conformance;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;

import io.rhizome.spi.store.EntityRef;
import io.rhizome.spi.store.LogEntry;
import io.rhizome.spi.store.MetadataOwner;
import io.rhizome.spi.store.MetadataSpace;
import io.rhizome.spi.store.MetadataUpdate;
import io.rhizome.spi.store.NewEntry;
import io.rhizome.spi.store.ReplicaStore;
import io.rhizome.spi.store.StoreException;

/**
 * A {@link ReplicaStore} in memory, for engine tests: every call is atomic (one lock), nothing is
 * durable across JVMs. {@link #failNextAppends} makes appends (and metadata space updates) fail, to
 * test storage-failure paths. Each metadata space is a map of its own, keyed by its owner.
 */
public class MemoryReplicaStore implements ReplicaStore {

    private final List<LogEntry> log = new ArrayList<>();
    private final Map<String, Long> authorSeqs = new HashMap<>();
    private final Map<String, byte[]> meta = new TreeMap<>();
    private final Map<MetadataOwner, TreeMap<String, byte[]>> spaces = new HashMap<>();
    private final Map<EntityRef, byte[]> states = new TreeMap<>();
    private long checkpointPosition;
    private final AtomicBoolean failAppends = new AtomicBoolean();

    public void failNextAppends(boolean fail) {
        failAppends.set(fail);
    }

    @Override
    public String location() {
        return "memory";
    }

    @Override
    public synchronized List<LogEntry> append(List<NewEntry> entries, Map<String, byte[]> metaUpdates) throws StoreException {
        if (failAppends.get()) {
            throw new StoreException("memory store: simulated disk failure");
        }
        List<LogEntry> appended = new ArrayList<>();
        Map<String, Long> seqs = new HashMap<>(authorSeqs);
        for (NewEntry e : entries) {
            long have = seqs.getOrDefault(e.stream(), 0L);
            if (e.seq() <= have) {
                continue;
            }
            seqs.put(e.stream(), e.seq());
            appended.add(new LogEntry(log.size() + appended.size(), e.stream(), e.seq(), e.payload()));
        }
        log.addAll(appended);
        authorSeqs.putAll(seqs);
        putMetaLocked(metaUpdates);
        return appended;
    }

    @Override
    public synchronized List<LogEntry> read(long fromPosition, int maxEntries, long maxBytes) {
        List<LogEntry> out = new ArrayList<>();
        long bytes = 0;
        for (long p = Math.max(0, fromPosition); p < log.size() && out.size() < maxEntries; p++) {
            LogEntry e = log.get((int) p);
            if (!out.isEmpty() && bytes + e.payload().length > maxBytes) {
                break;
            }
            out.add(e);
            bytes += e.payload().length;
        }
        return out;
    }

    @Override
    public synchronized Optional<LogEntry> get(String stream, long seq) {
        return log.stream().filter(e -> e.stream().equals(stream) && e.seq() == seq).findFirst();
    }

    @Override
    public synchronized long head() {
        return log.size();
    }

    @Override
    public synchronized Map<String, Long> streamSeqs() {
        return Map.copyOf(authorSeqs);
    }

    @Override
    public MetadataSpace metadata(MetadataOwner owner) {
        java.util.Objects.requireNonNull(owner, "owner");
        return new MetadataSpace() {
            @Override
            public MetadataOwner owner() {
                return owner;
            }

            @Override
            public Optional<byte[]> get(String key) {
                synchronized (MemoryReplicaStore.this) {
                    byte[] v = spaces.getOrDefault(owner, new TreeMap<>()).get(key);
                    return v == null ? Optional.empty() : Optional.of(v.clone());
                }
            }

            @Override
            public SortedMap<String, byte[]> scan(String prefix) {
                synchronized (MemoryReplicaStore.this) {
                    SortedMap<String, byte[]> out = new TreeMap<>();
                    spaces.getOrDefault(owner, new TreeMap<>()).forEach((k, v) -> {
                        if (k.startsWith(prefix)) {
                            out.put(k, v.clone());
                        }
                    });
                    return out;
                }
            }

            @Override
            public void update(MetadataUpdate update) throws StoreException {
                update.checkLimits();
                synchronized (MemoryReplicaStore.this) {
                    if (failAppends.get()) {
                        throw new StoreException("memory store: simulated disk failure");
                    }
                    TreeMap<String, byte[]> space = spaces.computeIfAbsent(owner, o -> new TreeMap<>());
                    update.changes().forEach((k, v) -> {
                        if (v.isPresent()) {
                            space.put(k, v.get().clone());
                        } else {
                            space.remove(k);
                        }
                    });
                }
            }
        };
    }

    @Override
    public synchronized Optional<byte[]> meta(String name) {
        byte[] v = meta.get(name);
        return v == null || v.length == 0 ? Optional.empty() : Optional.of(v.clone());
    }

    @Override
    public synchronized Map<String, byte[]> metaWithPrefix(String prefix) {
        Map<String, byte[]> out = new TreeMap<>();
        meta.forEach((k, v) -> {
            if (k.startsWith(prefix) && v.length > 0) {
                out.put(k, v.clone());
            }
        });
        return out;
    }

    @Override
    public synchronized void putMeta(Map<String, byte[]> updates) {
        putMetaLocked(updates);
    }

    private void putMetaLocked(Map<String, byte[]> updates) {
        updates.forEach((k, v) -> {
            if (v.length == 0) {
                meta.remove(k);
            } else {
                meta.put(k, v.clone());
            }
        });
    }

    @Override
    public synchronized void checkpoint(Map<EntityRef, byte[]> updates, long includesLogUpTo) {
        updates.forEach((k, v) -> {
            if (v.length == 0) {
                states.remove(k);
            } else {
                states.put(k, v.clone());
            }
        });
        checkpointPosition = includesLogUpTo;
    }

    @Override
    public synchronized Optional<byte[]> entityState(EntityRef entity) {
        return Optional.ofNullable(states.get(entity)).map(byte[]::clone);
    }

    @Override
    public synchronized List<String> checkpointedKeys(String namespace) {
        List<String> keys = new ArrayList<>();
        for (EntityRef r : states.keySet()) {
            if (r.namespace().equals(namespace)) {
                keys.add(r.key());
            }
        }
        return keys;
    }

    @Override
    public synchronized long checkpointPosition() {
        return checkpointPosition;
    }
}
