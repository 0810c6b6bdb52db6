package io.rhizome.store.postgres.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.rhizome.spi.store.LogEntry;
import io.rhizome.spi.store.NewEntry;

/**
 * The log in SQL. Positions must be consecutive and gap-free across every process that shares the
 * database, so an append first locks the one row of {@code rhizome_log_head} ({@code FOR UPDATE}):
 * appends from any number of connections and processes take turns on it, each sees what the one
 * before committed, skips the (stream, seq) pairs the log already holds and numbers the rest from
 * the head. (A sequence would leave gaps on rollback.) The insert itself is
 * {@code ON CONFLICT DO NOTHING} on (stream, seq), the database's own guarantee that a change set
 * is stored once; under the head lock it never conflicts, and if it ever did the transaction is
 * rolled back rather than leave a gap.
 *
 * <p>{@code rhizome_stream} keeps, per stream, the highest seq and how many entries it has, in the
 * same transaction: when they are equal (the engine's case) the stream is contiguous without a scan
 * of the log.
 */
final class LogTable {

    private record Key(String stream, long seq) {
    }

    private LogTable() {
    }

    /**
     * Appends the entries of several calls, in order, inside the caller's transaction; returns,
     * per call, what it appended. An entry that the log or an earlier call already holds is skipped.
     */
    static List<List<LogEntry>> append(Connection c, List<List<NewEntry>> calls) throws SQLException {
        long head = lockHead(c);
        Map<Key, Integer> firstCall = new LinkedHashMap<>();
        Map<Key, NewEntry> distinct = new LinkedHashMap<>();
        for (int i = 0; i < calls.size(); i++) {
            for (NewEntry e : calls.get(i)) {
                Key k = new Key(e.stream(), e.seq());
                if (distinct.putIfAbsent(k, e) == null) {
                    firstCall.put(k, i);
                }
            }
        }
        List<List<LogEntry>> perCall = new ArrayList<>(calls.size());
        for (int i = 0; i < calls.size(); i++) {
            perCall.add(new ArrayList<>());
        }
        if (distinct.isEmpty()) {
            return perCall;
        }
        Set<Key> present = present(c, distinct.keySet());
        List<LogEntry> added = new ArrayList<>();
        long position = head;
        for (Map.Entry<Key, NewEntry> e : distinct.entrySet()) {
            if (!present.contains(e.getKey())) {
                NewEntry n = e.getValue();
                LogEntry entry = new LogEntry(position++, n.stream(), n.seq(), n.payload().clone());
                added.add(entry);
                perCall.get(firstCall.get(e.getKey())).add(entry);
            }
        }
        if (added.isEmpty()) {
            return perCall;
        }
        insert(c, added);
        countStreams(c, added);
        try (PreparedStatement move = c.prepareStatement("UPDATE rhizome_log_head SET next_position = ? WHERE id = 1")) {
            move.setLong(1, position);
            move.executeUpdate();
        }
        return perCall;
    }

    /** One statement for the whole batch (arrays of the columns), not one per entry: a batch costs one round trip. */
    private static void insert(Connection c, List<LogEntry> added) throws SQLException {
        int n = added.size();
        Long[] positions = new Long[n];
        String[] streams = new String[n];
        Long[] seqs = new Long[n];
        byte[][] payloads = new byte[n][];
        for (int i = 0; i < n; i++) {
            LogEntry e = added.get(i);
            positions[i] = e.position();
            streams[i] = e.stream();
            seqs[i] = e.seq();
            payloads[i] = e.payload();
        }
        try (PreparedStatement insert = c.prepareStatement("""
                INSERT INTO rhizome_log (position, stream, seq, payload)
                SELECT * FROM unnest(?::bigint[], ?::text[], ?::bigint[], ?::bytea[]) ON CONFLICT DO NOTHING""")) {
            insert.setArray(1, c.createArrayOf("int8", positions));
            insert.setArray(2, c.createArrayOf("text", streams));
            insert.setArray(3, c.createArrayOf("int8", seqs));
            insert.setArray(4, c.createArrayOf("bytea", payloads));
            int inserted = insert.executeUpdate();
            if (inserted != n) {
                throw new SQLException("of " + n + " entries from position " + positions[0] + " only " + inserted
                        + " could be inserted: another writer took positions or change sets while the log head was locked; "
                        + "nothing was appended", "40001");
            }
        }
    }

    private static void countStreams(Connection c, List<LogEntry> added) throws SQLException {
        Map<String, long[]> perStream = new HashMap<>();
        for (LogEntry e : added) {
            long[] s = perStream.computeIfAbsent(e.stream(), k -> new long[2]);
            s[0] = Math.max(s[0], e.seq());
            s[1]++;
        }
        try (PreparedStatement streams = c.prepareStatement("""
                INSERT INTO rhizome_stream (stream, max_seq, entries) VALUES (?, ?, ?)
                ON CONFLICT (stream) DO UPDATE SET max_seq = greatest(rhizome_stream.max_seq, excluded.max_seq),
                    entries = rhizome_stream.entries + excluded.entries""")) {
            for (String stream : perStream.keySet().stream().sorted().toList()) {
                long[] s = perStream.get(stream);
                streams.setString(1, stream);
                streams.setLong(2, s[0]);
                streams.setLong(3, s[1]);
                streams.addBatch();
            }
            streams.executeBatch();
        }
    }

    private static long lockHead(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT next_position FROM rhizome_log_head WHERE id = 1 FOR UPDATE");
             ResultSet r = s.executeQuery()) {
            if (!r.next()) {
                throw new SQLException("the table rhizome_log_head has lost its row");
            }
            return r.getLong(1);
        }
    }

    private static Set<Key> present(Connection c, Set<Key> keys) throws SQLException {
        String[] streams = new String[keys.size()];
        Long[] seqs = new Long[keys.size()];
        int i = 0;
        for (Key k : keys) {
            streams[i] = k.stream();
            seqs[i++] = k.seq();
        }
        Set<Key> present = new HashSet<>();
        try (PreparedStatement s = c.prepareStatement("""
                SELECT l.stream, l.seq FROM rhizome_log l
                JOIN unnest(?::text[], ?::bigint[]) AS k(stream, seq) ON l.stream = k.stream AND l.seq = k.seq""")) {
            s.setArray(1, c.createArrayOf("text", streams));
            s.setArray(2, c.createArrayOf("int8", seqs));
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    present.add(new Key(r.getString(1), r.getLong(2)));
                }
            }
        }
        return present;
    }

    static long head(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT next_position FROM rhizome_log_head WHERE id = 1");
             ResultSet r = s.executeQuery()) {
            if (!r.next()) {
                throw new SQLException("the table rhizome_log_head has lost its row");
            }
            return r.getLong(1);
        }
    }

    static List<LogEntry> read(Connection c, long fromPosition, int maxEntries, long maxBytes) throws SQLException {
        List<LogEntry> out = new ArrayList<>();
        if (maxEntries <= 0) {
            return out;
        }
        try (PreparedStatement s = c.prepareStatement(
                "SELECT position, stream, seq, payload FROM rhizome_log WHERE position >= ? ORDER BY position LIMIT ?")) {
            s.setLong(1, Math.max(0, fromPosition));
            s.setLong(2, maxEntries);
            s.setFetchSize(Math.min(maxEntries, 256)); // a cursor: a large maxEntries does not load the whole log
            long bytes = 0;
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    LogEntry e = new LogEntry(r.getLong(1), r.getString(2), r.getLong(3), r.getBytes(4));
                    out.add(e);
                    bytes += e.payload().length;
                    if (bytes >= maxBytes) {
                        break;
                    }
                }
            }
        }
        return out;
    }

    static Optional<LogEntry> get(Connection c, String stream, long seq) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "SELECT position, payload FROM rhizome_log WHERE stream = ? AND seq = ?")) {
            s.setString(1, stream);
            s.setLong(2, seq);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? Optional.of(new LogEntry(r.getLong(1), stream, seq, r.getBytes(2))) : Optional.empty();
            }
        }
    }

    static Map<String, Long> streamSeqs(Connection c) throws SQLException {
        Map<String, Long> out = new HashMap<>();
        List<String> gapped = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("SELECT stream, max_seq, entries FROM rhizome_stream");
             ResultSet r = s.executeQuery()) {
            while (r.next()) {
                if (r.getLong(2) == r.getLong(3)) {
                    out.put(r.getString(1), r.getLong(2));
                } else {
                    gapped.add(r.getString(1));
                }
            }
        }
        // a stream with a gap: the contiguous prefix is where seq still equals its rank
        try (PreparedStatement s = c.prepareStatement("""
                SELECT coalesce(max(seq), 0) FROM (
                    SELECT seq, row_number() OVER (ORDER BY seq) AS rank FROM rhizome_log WHERE stream = ?) t
                WHERE seq = rank""")) {
            for (String stream : gapped) {
                s.setString(1, stream);
                try (ResultSet r = s.executeQuery()) {
                    r.next();
                    if (r.getLong(1) > 0) {
                        out.put(stream, r.getLong(1));
                    }
                }
            }
        }
        return out;
    }
}
