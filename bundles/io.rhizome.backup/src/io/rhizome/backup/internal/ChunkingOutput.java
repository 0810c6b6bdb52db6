package io.rhizome.backup.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

import io.rhizome.spi.backup.BackupTarget;

/**
 * Cuts the compressed record stream into pieces of {@code chunkSize} bytes and hands each, sealed,
 * to the upload as soon as it is full, so a snapshot of any size needs one chunk of memory.
 */
final class ChunkingOutput extends OutputStream {

    private final BackupTarget.Upload upload;
    private final BackupKeys keys;
    private final String snapshot;
    private final byte[] buffer;
    private final List<Manifest.ChunkRef> chunks = new ArrayList<>();
    private final BackupProgress progress;
    private int filled;

    ChunkingOutput(BackupTarget.Upload upload, BackupKeys keys, String snapshot, int chunkSize,
            BackupProgress progress) {
        this.upload = upload;
        this.keys = keys;
        this.snapshot = snapshot;
        this.buffer = new byte[chunkSize];
        this.progress = progress;
    }

    @Override
    public void write(int b) throws IOException {
        buffer[filled++] = (byte) b;
        if (filled == buffer.length) {
            emit();
        }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            int n = Math.min(len, buffer.length - filled);
            System.arraycopy(b, off, buffer, filled, n);
            filled += n;
            off += n;
            len -= n;
            if (filled == buffer.length) {
                emit();
            }
        }
    }

    /** Emits the last, partial piece (a snapshot has at least one chunk). Does not close the upload. */
    @Override
    public void close() throws IOException {
        if (filled > 0 || chunks.isEmpty()) {
            emit();
        }
    }

    List<Manifest.ChunkRef> chunks() {
        return List.copyOf(chunks);
    }

    private void emit() throws IOException {
        byte[] piece = java.util.Arrays.copyOf(buffer, filled);
        byte[] file = ChunkCodec.seal(keys, snapshot, chunks.size(), piece);
        upload.writeChunk(chunks.size(), file);
        chunks.add(new Manifest.ChunkRef(file.length, ChunkCodec.sha256(file)));
        progress.chunkDone(file.length);
        filled = 0;
    }
}
