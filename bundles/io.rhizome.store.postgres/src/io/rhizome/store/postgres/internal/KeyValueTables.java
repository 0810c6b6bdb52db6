package io.rhizome.store.postgres.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

import io.rhizome.spi.store.EntityRef;
import io.rhizome.spi.store.MetadataOwner;

/**
 * The store's small values in SQL: store metadata ({@code rhizome_meta}), metadata spaces
 * ({@code rhizome_space}, keyed by owner kind, owner name and key, so no two owners meet) and
 * entity checkpoints ({@code rhizome_entity} and the one row of {@code rhizome_checkpoint}).
 * Every write goes through keys in sorted order, so two transactions that change the same keys
 * lock them in the same order and cannot deadlock each other.
 */
final class KeyValueTables {

    private KeyValueTables() {
    }

    /** Sets (non-empty value) or deletes (empty value) store metadata, inside the caller's transaction. */
    static void putMeta(Connection c, Map<String, byte[]> updates) throws SQLException {
        if (updates.isEmpty()) {
            return;
        }
        try (PreparedStatement upsert = c.prepareStatement(
                "INSERT INTO rhizome_meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value");
             PreparedStatement delete = c.prepareStatement("DELETE FROM rhizome_meta WHERE name = ?")) {
            for (Map.Entry<String, byte[]> u : new TreeMap<>(updates).entrySet()) {
                if (u.getValue().length == 0) {
                    delete.setString(1, u.getKey());
                    delete.executeUpdate();
                } else {
                    upsert.setString(1, u.getKey());
                    upsert.setBytes(2, u.getValue());
                    upsert.executeUpdate();
                }
            }
        }
    }

    static Optional<byte[]> meta(Connection c, String name) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT value FROM rhizome_meta WHERE name = ?")) {
            s.setString(1, name);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? Optional.of(r.getBytes(1)) : Optional.empty();
            }
        }
    }

    static SortedMap<String, byte[]> metaWithPrefix(Connection c, String prefix) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT name, value FROM rhizome_meta WHERE name LIKE ? ESCAPE '\\'")) {
            s.setString(1, likePrefix(prefix));
            return sorted(s);
        }
    }

    /** Applies changes to one owner's space (a value, or empty to delete), inside the caller's transaction. */
    static void updateSpace(Connection c, MetadataOwner owner, Map<String, Optional<byte[]>> changes) throws SQLException {
        try (PreparedStatement upsert = c.prepareStatement("""
                INSERT INTO rhizome_space (kind, owner, key, value) VALUES (?, ?, ?, ?)
                ON CONFLICT (kind, owner, key) DO UPDATE SET value = excluded.value""");
             PreparedStatement delete = c.prepareStatement("DELETE FROM rhizome_space WHERE kind = ? AND owner = ? AND key = ?")) {
            for (Map.Entry<String, Optional<byte[]>> u : new TreeMap<>(changes).entrySet()) {
                PreparedStatement s = u.getValue().isPresent() ? upsert : delete;
                s.setString(1, kind(owner));
                s.setString(2, owner.name());
                s.setString(3, u.getKey());
                if (u.getValue().isPresent()) {
                    s.setBytes(4, u.getValue().get());
                }
                s.executeUpdate();
            }
        }
    }

    static Optional<byte[]> spaceValue(Connection c, MetadataOwner owner, String key) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT value FROM rhizome_space WHERE kind = ? AND owner = ? AND key = ?")) {
            s.setString(1, kind(owner));
            s.setString(2, owner.name());
            s.setString(3, key);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? Optional.of(r.getBytes(1)) : Optional.empty();
            }
        }
    }

    static SortedMap<String, byte[]> scanSpace(Connection c, MetadataOwner owner, String prefix) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "SELECT key, value FROM rhizome_space WHERE kind = ? AND owner = ? AND key LIKE ? ESCAPE '\\'")) {
            s.setString(1, kind(owner));
            s.setString(2, owner.name());
            s.setString(3, likePrefix(prefix));
            return sorted(s);
        }
    }

    /** Saves checkpointed states (an empty state deletes) and the position they include, inside the caller's transaction. */
    static void checkpoint(Connection c, Map<EntityRef, byte[]> states, long includesLogUpTo) throws SQLException {
        try (PreparedStatement upsert = c.prepareStatement("""
                INSERT INTO rhizome_entity (namespace, key, state) VALUES (?, ?, ?)
                ON CONFLICT (namespace, key) DO UPDATE SET state = excluded.state""");
             PreparedStatement delete = c.prepareStatement("DELETE FROM rhizome_entity WHERE namespace = ? AND key = ?")) {
            for (Map.Entry<EntityRef, byte[]> e : new TreeMap<>(states).entrySet()) {
                PreparedStatement s = e.getValue().length == 0 ? delete : upsert;
                s.setString(1, e.getKey().namespace());
                s.setString(2, e.getKey().key());
                if (e.getValue().length > 0) {
                    s.setBytes(3, e.getValue());
                }
                s.executeUpdate();
            }
        }
        try (PreparedStatement s = c.prepareStatement("UPDATE rhizome_checkpoint SET position = ? WHERE id = 1")) {
            s.setLong(1, includesLogUpTo);
            s.executeUpdate();
        }
    }

    static Optional<byte[]> entityState(Connection c, EntityRef entity) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT state FROM rhizome_entity WHERE namespace = ? AND key = ?")) {
            s.setString(1, entity.namespace());
            s.setString(2, entity.key());
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? Optional.of(r.getBytes(1)) : Optional.empty();
            }
        }
    }

    static List<String> checkpointedKeys(Connection c, String namespace) throws SQLException {
        List<String> keys = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("SELECT key FROM rhizome_entity WHERE namespace = ?")) {
            s.setString(1, namespace);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    keys.add(r.getString(1));
                }
            }
        }
        Collections.sort(keys);
        return keys;
    }

    static long checkpointPosition(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT position FROM rhizome_checkpoint WHERE id = 1");
             ResultSet r = s.executeQuery()) {
            if (!r.next()) {
                throw new SQLException("the table rhizome_checkpoint has lost its row");
            }
            return r.getLong(1);
        }
    }

    private static String kind(MetadataOwner owner) {
        return owner.kind() == MetadataOwner.Kind.ENGINE ? "engine" : "bundle";
    }

    /** A LIKE pattern matching every string that starts with {@code prefix}. */
    static String likePrefix(String prefix) {
        return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
    }

    /** Sorted as {@link String#compareTo} orders keys, which is not always the database's order. */
    private static SortedMap<String, byte[]> sorted(PreparedStatement s) throws SQLException {
        SortedMap<String, byte[]> out = new TreeMap<>();
        try (ResultSet r = s.executeQuery()) {
            while (r.next()) {
                out.put(r.getString(1), r.getBytes(2));
            }
        }
        return out;
    }
}
