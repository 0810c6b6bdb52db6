package io.rhizome.store.mapdb.internal;

import java.util.List;
import java.util.Map;
import java.util.NavigableMap;

import io.rhizome.spi.store.MetadataOwner;

/**
 * Stores of format 2 kept every owner's records in the one {@code meta} tree, apart only by a
 * key prefix. Sealing such a store ({@link PlaintextMigration}) moves them into their owners'
 * spaces (the prefix dropped) in the sealed copy, so it happens once and either wholly or not at
 * all.
 */
final class LegacyMetadata {

    /** A prefix of format 2 and the space its keys belong to now. */
    record Move(String oldPrefix, MetadataOwner owner) {
    }

    static final List<Move> MOVES = List.of(
            new Move("pairing/", MetadataOwner.bundle("io.rhizome.pairing")),
            new Move("peer/", MetadataOwner.engine("peers")),
            new Move("device/", MetadataOwner.engine("device")));

    private LegacyMetadata() {
    }

    /** Moves the keys (not committed); returns how many moved. */
    static int move(NavigableMap<String, byte[]> meta, NavigableMap<String, byte[]> spaces) {
        int moved = 0;
        for (Move m : MOVES) {
            String spacePrefix = MapDbMetadataSpace.prefix(m.owner());
            for (Map.Entry<String, byte[]> e : List.copyOf(meta.tailMap(m.oldPrefix(), true).entrySet())) {
                if (!e.getKey().startsWith(m.oldPrefix())) {
                    break;
                }
                String key = e.getKey().substring(m.oldPrefix().length());
                if (!key.isEmpty()) {
                    spaces.put(spacePrefix + key, e.getValue());
                }
                meta.remove(e.getKey());
                moved++;
            }
        }
        return moved;
    }
}
