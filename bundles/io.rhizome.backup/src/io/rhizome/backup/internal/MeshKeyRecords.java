package io.rhizome.backup.internal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.rhizome.spi.crypto.KeyService;

/**
 * The mesh keys travel in the snapshot as records of a stream no namespace can be named ({@code #}
 * is outside the namespace grammar), numbered epoch + 1, written before the change sets of the same
 * snapshot so that a restore holds every key before the first change set sealed under it.
 */
final class MeshKeyRecords {

    static final String STREAM = "#mesh-keys";

    private MeshKeyRecords() {
    }

    static List<SnapshotRecord> above(KeyService keys, Map<String, Long> base) {
        List<SnapshotRecord> out = new ArrayList<>();
        long have = base.getOrDefault(STREAM, 0L);
        for (long epoch : keys.epochs()) {
            if (epoch + 1 > have) {
                KeyService.MeshKey k = keys.meshKey(epoch).orElseThrow();
                out.add(new SnapshotRecord(STREAM, epoch + 1,
                        ByteBuffer.allocate(8 + 32).putLong(epoch).put(k.key()).array()));
            }
        }
        return out;
    }

    static long version(KeyService keys) {
        List<Long> epochs = keys.epochs();
        return epochs.isEmpty() ? 0 : epochs.get(epochs.size() - 1) + 1;
    }

    static KeyService.MeshKey decode(SnapshotRecord r) {
        ByteBuffer b = ByteBuffer.wrap(r.payload());
        long epoch = b.getLong();
        byte[] key = new byte[32];
        b.get(key);
        return new KeyService.MeshKey(epoch, key);
    }
}
