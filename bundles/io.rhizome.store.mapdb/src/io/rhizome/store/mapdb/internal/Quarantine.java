package io.rhizome.store.mapdb.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.mapdb.BTreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.store.mapdb.internal.RecordSeal.DamagedRecordException;

/**
 * On open, every checkpoint and metadata record of a sealed store is opened once; a record that
 * does not open (a flipped bit, a record moved to another key) is moved into the
 * {@code quarantine} tree as it was stored, reported, and never served.
 *
 * <p>Checkpoints are derived from the log, which is the source of truth: when one checkpoint (or
 * the checkpoint position) does not open, every checkpoint is dropped and the checkpoint position
 * set to 0, so the engine rebuilds every entity from the whole log on this start (a checkpoint
 * kept beside a replay from 0 would count that replay twice). A metadata record that does not
 * open is absent from then on; its owner learns it again (the peer book from its peers).
 *
 * <p>Changes are made in the maps, not committed: the caller commits them with the open.
 */
final class Quarantine {

    private static final Logger LOG = LoggerFactory.getLogger(Quarantine.class);

    private final StoreMaps maps;
    private final SealedRecords sealed;
    private final Path dataFile;
    private final long now = System.currentTimeMillis();

    Quarantine(StoreMaps maps, SealedRecords sealed, Path dataFile) {
        this.maps = maps;
        this.sealed = sealed;
        this.dataFile = dataFile;
    }

    /** Checks every record; returns one sentence per quarantined record (empty when all open). */
    List<String> run() {
        List<String> reports = new ArrayList<>();
        checkStates(reports);
        checkMeta(SealedRecords.META, maps.meta, reports);
        checkMeta(SealedRecords.SPACES, maps.spaces, reports);
        checkAuthors(reports);
        for (String r : reports) {
            LOG.error("{}: {}", dataFile, r);
        }
        return List.copyOf(reports);
    }

    private void checkStates(List<String> reports) {
        List<String> damaged = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : maps.states.entrySet()) {
            try {
                sealed.openState(e.getKey(), e.getValue());
            } catch (DamagedRecordException d) {
                damaged.add(d.getMessage());
                quarantine(SealedRecords.STATES, e.getKey(), e.getValue());
            }
        }
        boolean positionDamaged = false;
        byte[] position = maps.records.get(SealedRecords.RECORD_CHECKPOINT);
        try {
            sealed.openPosition(position);
        } catch (DamagedRecordException d) {
            positionDamaged = true;
            damaged.add(d.getMessage());
            if (position != null) {
                quarantine(SealedRecords.RECORDS, SealedRecords.RECORD_CHECKPOINT, position);
            }
        }
        if (damaged.isEmpty()) {
            return;
        }
        int dropped = maps.states.size();
        maps.states.clear();
        maps.records.put(SealedRecords.RECORD_CHECKPOINT, sealed.sealPosition(0));
        for (String d : damaged) {
            reports.add("checkpoint quarantined, not served: " + d);
        }
        reports.add((positionDamaged ? "the checkpoint position did not open" : damaged.size() + " checkpoint(s) did not open")
                + ": all " + dropped + " checkpoints dropped, every entity is rebuilt from the change-set log on this start");
    }

    private void checkMeta(String tree, BTreeMap<String, byte[]> map, List<String> reports) {
        List<String> damagedKeys = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : map.entrySet()) {
            try {
                sealed.openMeta(tree, e.getKey(), e.getValue());
            } catch (io.rhizome.spi.store.StoreException d) {
                damagedKeys.add(e.getKey());
                quarantine(tree, e.getKey(), e.getValue());
                reports.add("metadata record quarantined, not served (absent from now on): " + d.getMessage());
            }
        }
        damagedKeys.forEach(map::remove);
    }

    /**
     * The record of every author's {highest contiguous seq, highest seq}: one that does not open
     * is made again from the (stream, seq) index, which holds the same facts.
     */
    private void checkAuthors(List<String> reports) {
        byte[] stored = maps.records.get(StoreMaps.RECORD_AUTHORS);
        if (stored == null) {
            return;
        }
        try {
            sealed.openRecord(StoreMaps.RECORD_AUTHORS, stored);
            return;
        } catch (DamagedRecordException d) {
            quarantine(SealedRecords.RECORDS, StoreMaps.RECORD_AUTHORS, stored);
            Map<String, long[]> authors = authorsFromIndex();
            maps.records.put(StoreMaps.RECORD_AUTHORS, sealed.sealRecord(StoreMaps.RECORD_AUTHORS, LogCodec.encodeAuthors(authors)));
            reports.add("the record of the authors' sequence numbers was quarantined (" + d.getMessage() + ") and made again from "
                    + "the index of the log (" + authors.size() + " authors)");
        }
    }

    private Map<String, long[]> authorsFromIndex() {
        Map<String, java.util.TreeMap<Long, long[]>> segments = new java.util.HashMap<>();
        for (Map.Entry<String, long[]> e : maps.bySeq.entrySet()) {
            String key = e.getKey();
            int colon = key.indexOf(':');
            int length = Integer.parseInt(key.substring(0, colon));
            String author = key.substring(colon + 1, colon + 1 + length);
            long segment = Long.parseLong(key.substring(colon + 2 + length));
            segments.computeIfAbsent(author, a -> new java.util.TreeMap<>()).put(segment, e.getValue());
        }
        Map<String, long[]> out = new java.util.HashMap<>();
        segments.forEach((author, bySegment) -> {
            long contiguous = 0;
            long highest = 0;
            boolean gap = false;
            for (long segment = 0; segment <= bySegment.lastKey(); segment++) {
                long[] slots = bySegment.get(segment);
                for (int slot = 0; slot < StoreMaps.SEGMENT; slot++) {
                    long seq = segment * StoreMaps.SEGMENT + slot;
                    if (seq == 0) {
                        continue;
                    }
                    boolean present = slots != null && slots[slot] != 0;
                    if (present) {
                        highest = seq;
                    }
                    if (!gap && present) {
                        contiguous = seq;
                    } else if (!present) {
                        gap = true;
                    }
                }
            }
            out.put(author, new long[] {contiguous, highest});
        });
        return out;
    }

    private void quarantine(String tree, String key, byte[] stored) {
        maps.quarantine.put(tree + "/" + now + "/" + key, stored);
    }
}
