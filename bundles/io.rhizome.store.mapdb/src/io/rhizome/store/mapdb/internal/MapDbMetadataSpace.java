package io.rhizome.store.mapdb.internal;

import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

import io.rhizome.spi.store.MetadataOwner;
import io.rhizome.spi.store.MetadataSpace;
import io.rhizome.spi.store.MetadataUpdate;
import io.rhizome.spi.store.StoreException;

/**
 * One owner's {@link MetadataSpace} in the {@code spaces} B-tree of a {@link MapDbReplicaStore}.
 * Every key of the tree starts with its owner's {@link #prefix}: the owner's kind, the length of
 * its name and the name. The store builds that prefix, never a caller, so no key of one space can
 * be read or written as a key of another (owner {@code a} with key {@code bc} is {@code b1:abc},
 * owner {@code ab} with key {@code c} is {@code b2:abc}). Writes go through the committer like
 * every other write, so an update is one commit.
 */
final class MapDbMetadataSpace implements MetadataSpace {

    private final MetadataOwner owner;
    private final String prefix;
    private final StoreState state;
    private final StoreMaps maps;
    private final SealedRecords sealed;
    private final Committer committer;

    MapDbMetadataSpace(MetadataOwner owner, StoreState state, StoreMaps maps, SealedRecords sealed, Committer committer) {
        this.owner = owner;
        this.prefix = prefix(owner);
        this.state = state;
        this.maps = maps;
        this.sealed = sealed;
        this.committer = committer;
    }

    /** The part of every stored key that names the owner. */
    static String prefix(MetadataOwner owner) {
        char kind = owner.kind() == MetadataOwner.Kind.ENGINE ? 'e' : 'b';
        return kind + Integer.toString(owner.name().length()) + ":" + owner.name();
    }

    @Override
    public MetadataOwner owner() {
        return owner;
    }

    @Override
    public Optional<byte[]> get(String key) throws StoreException {
        String stored = prefix + key;
        return state.read(() -> Optional.ofNullable(sealed.openMeta(SealedRecords.SPACES, stored, maps.spaces.get(stored))));
    }

    @Override
    public SortedMap<String, byte[]> scan(String keyPrefix) throws StoreException {
        String from = prefix + keyPrefix;
        return state.read(() -> {
            SortedMap<String, byte[]> out = new TreeMap<>();
            for (Map.Entry<String, byte[]> e : maps.spaces.tailMap(from, true).entrySet()) {
                if (!e.getKey().startsWith(from)) {
                    break;
                }
                out.put(e.getKey().substring(prefix.length()), sealed.openMeta(SealedRecords.SPACES, e.getKey(), e.getValue()));
            }
            return Collections.unmodifiableSortedMap(out);
        });
    }

    @Override
    public void update(MetadataUpdate update) throws StoreException {
        update.checkLimits();
        if (update.isEmpty()) {
            state.checkOpen();
            return;
        }
        Map<String, byte[]> stored = new HashMap<>();
        update.changes().forEach((key, value) -> stored.put(prefix + key, value.orElse(new byte[0])));
        committer.submit(new Committer.Write(List.of(), Map.of(), stored, Map.of(), -1, new CompletableFuture<>()));
    }

    @Override
    public String toString() {
        return "metadata space of " + owner + " in " + state.folder;
    }
}
