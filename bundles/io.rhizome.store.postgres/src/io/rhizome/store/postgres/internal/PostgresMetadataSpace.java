package io.rhizome.store.postgres.internal;

import java.util.Optional;
import java.util.SortedMap;

import io.rhizome.spi.store.MetadataOwner;
import io.rhizome.spi.store.MetadataSpace;
import io.rhizome.spi.store.MetadataUpdate;
import io.rhizome.spi.store.StoreException;

/** One owner's {@link MetadataSpace}: rows of {@code rhizome_space} behind the owner's kind and name. */
final class PostgresMetadataSpace implements MetadataSpace {

    private final ConnectionPool pool;
    private final MetadataOwner owner;

    PostgresMetadataSpace(ConnectionPool pool, MetadataOwner owner) {
        this.pool = pool;
        this.owner = owner;
    }

    @Override
    public MetadataOwner owner() {
        return owner;
    }

    @Override
    public Optional<byte[]> get(String key) throws StoreException {
        return pool.inTransaction("reading " + owner + "'s key " + key, c -> KeyValueTables.spaceValue(c, owner, key));
    }

    @Override
    public SortedMap<String, byte[]> scan(String prefix) throws StoreException {
        return pool.inTransaction("scanning " + owner + "'s space", c -> KeyValueTables.scanSpace(c, owner, prefix));
    }

    @Override
    public void update(MetadataUpdate update) throws StoreException {
        update.checkLimits();
        if (update.isEmpty()) {
            return;
        }
        pool.inTransaction("updating " + owner + "'s space", c -> {
            KeyValueTables.updateSpace(c, owner, update.changes());
            return null;
        });
    }
}
