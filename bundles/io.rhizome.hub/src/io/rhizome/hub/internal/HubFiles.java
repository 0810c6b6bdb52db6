package io.rhizome.hub.internal;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;

import io.rhizome.spi.store.MetadataSpace;
import io.rhizome.spi.store.MetadataUpdate;
import io.rhizome.spi.store.StoreException;

/**
 * The files devices leave on the hub (the cloud exchange's batch files, snapshots and manifests,
 * each sealed under the mesh key and opaque here), kept in the hub's metadata space of whatever
 * {@code ReplicaStore} the node runs on. A space value is at most 1 MiB, a file up to
 * {@link HubWire#MAX_BODY}: so a file is an index entry {@code i/FOLDER/NAME} (its length and chunk
 * count) plus chunks {@code c/FOLDER/NAME/NNNN}, all written in one atomic update, and replaced or
 * deleted the same way. A listing scans only the small index entries.
 */
public final class HubFiles {

    static final int CHUNK = 512 * 1024;

    private final MetadataSpace space;

    public HubFiles(MetadataSpace space) {
        this.space = space;
    }

    public List<String> list(String folder) throws StoreException {
        String prefix = "i/" + folder + "/";
        return space.scan(prefix).keySet().stream().map(k -> k.substring(prefix.length())).filter(n -> n.indexOf('/') < 0).toList();
    }

    public Optional<byte[]> read(String folder, String name) throws StoreException {
        Optional<byte[]> index = space.get("i/" + folder + "/" + name);
        if (index.isEmpty()) {
            return Optional.empty();
        }
        ByteBuffer b = ByteBuffer.wrap(index.get());
        int length = b.getInt();
        int chunks = b.getInt();
        SortedMap<String, byte[]> parts = space.scan(chunkPrefix(folder, name));
        ByteArrayOutputStream out = new ByteArrayOutputStream(length);
        for (int i = 0; i < chunks; i++) {
            byte[] part = parts.get(chunkKey(folder, name, i));
            if (part == null) {
                throw new StoreException("the hub's copy of " + folder + "/" + name + " lacks part " + i + " of " + chunks);
            }
            out.writeBytes(part);
        }
        if (out.size() != length) {
            throw new StoreException("the hub's copy of " + folder + "/" + name + " has " + out.size() + " bytes, not " + length);
        }
        return Optional.of(out.toByteArray());
    }

    public void write(String folder, String name, byte[] bytes) throws StoreException {
        MetadataUpdate.Builder u = MetadataUpdate.builder();
        removeChunks(u, folder, name);
        int chunks = bytes.length == 0 ? 0 : (bytes.length + CHUNK - 1) / CHUNK;
        for (int i = 0; i < chunks; i++) {
            u.put(chunkKey(folder, name, i), Arrays.copyOfRange(bytes, i * CHUNK, Math.min(bytes.length, (i + 1) * CHUNK)));
        }
        u.put("i/" + folder + "/" + name, ByteBuffer.allocate(8).putInt(bytes.length).putInt(chunks).array());
        space.update(u.build());
    }

    public void delete(String folder, String name) throws StoreException {
        MetadataUpdate.Builder u = MetadataUpdate.builder();
        removeChunks(u, folder, name);
        u.delete("i/" + folder + "/" + name);
        space.update(u.build());
    }

    /** How many files and bytes the hub holds (for its status file). */
    public long[] totals() throws StoreException {
        long files = 0;
        long bytes = 0;
        for (Map.Entry<String, byte[]> e : space.scan("i/").entrySet()) {
            files++;
            bytes += ByteBuffer.wrap(e.getValue()).getInt();
        }
        return new long[] {files, bytes};
    }

    private void removeChunks(MetadataUpdate.Builder u, String folder, String name) throws StoreException {
        for (String k : space.scan(chunkPrefix(folder, name)).keySet()) {
            u.delete(k);
        }
    }

    private static String chunkPrefix(String folder, String name) {
        return "c/" + folder + "/" + name + "/";
    }

    private static String chunkKey(String folder, String name, int i) {
        return chunkPrefix(folder, name) + String.format("%04d", i);
    }
}
