package io.rhizome.transport.cloud;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import io.rhizome.transport.cloud.FileSeal.BadFileException;

/**
 * What a snapshot file carries once opened: the number of the last batch file it stands for, then
 * the engine's batches of everything the reader may receive, in log order.
 *
 * <pre>
 * content = seq (8) | count (4) | count × (length (4) | batch)
 * </pre>
 */
record SnapshotContent(long seq, List<byte[]> batches) {

    byte[] encode() {
        long size = 12;
        for (byte[] b : batches) {
            size += 4 + b.length;
        }
        if (size > Integer.MAX_VALUE - FileSeal.PAD * 2L) {
            throw new IllegalStateException("a snapshot of " + size + " bytes is larger than one file can be");
        }
        ByteBuffer out = ByteBuffer.allocate((int) size).putLong(seq).putInt(batches.size());
        batches.forEach(b -> out.putInt(b.length).put(b));
        return out.array();
    }

    /** Decodes opened content; a snapshot that does not decode is refused whole (nothing of it is offered). */
    static SnapshotContent decode(byte[] content) throws BadFileException {
        try {
            ByteBuffer in = ByteBuffer.wrap(content);
            long seq = in.getLong();
            int count = in.getInt();
            if (count < 0 || count > in.remaining() / 4) {
                throw new BadFileException("its batch count is out of range", false);
            }
            List<byte[]> batches = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                int length = in.getInt();
                if (length < 0 || length > in.remaining()) {
                    throw new BadFileException("a batch length in it is out of range", false);
                }
                byte[] b = new byte[length];
                in.get(b);
                batches.add(b);
            }
            if (in.hasRemaining()) {
                throw new BadFileException("it has bytes after its last batch", false);
            }
            return new SnapshotContent(seq, batches);
        } catch (java.nio.BufferUnderflowException e) {
            throw new BadFileException("it ends inside its header", false);
        }
    }
}
