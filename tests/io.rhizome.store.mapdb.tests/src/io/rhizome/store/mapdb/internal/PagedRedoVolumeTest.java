package io.rhizome.store.mapdb.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The redo protocol of {@link PagedRedoVolume}: a crash after the redo file is durable is replayed
 * on open, a torn redo file is ignored, and the data file never holds half a commit.
 */
class PagedRedoVolumeTest {

    @TempDir
    Path dir;

    /** Thrown by the crash hook: the "process" dies right there. */
    static final class SimulatedCrash extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    private Path data() {
        return dir.resolve("v.data");
    }

    private Path redo() {
        return dir.resolve("v.redo");
    }

    private PagedRedoVolume open() throws Exception {
        return PagedRedoVolume.open(data(), redo(), 64);
    }

    private static byte[] filled(int size, int value) {
        byte[] b = new byte[size];
        Arrays.fill(b, (byte) value);
        return b;
    }

    private static byte[] read(PagedRedoVolume v, long offset, int size) {
        byte[] b = new byte[size];
        v.getData(offset, b, 0, size);
        return b;
    }

    @Test
    void writesAreInvisibleOnDiskUntilSyncAndThenDurable() throws Exception {
        PagedRedoVolume v = open();
        v.ensureAvailable(3 * PagedRedoVolume.PAGE_SIZE);
        v.putData(100, filled(10_000, 7), 0, 10_000);
        v.putLong(20_000, 0x0102030405060708L);
        assertEquals(0, Files.size(data()), "nothing reaches the data file before sync");
        assertEquals(0x0102030405060708L, v.getLong(20_000), "the writer reads its own writes");
        v.sync();
        v.close();

        PagedRedoVolume again = open();
        assertArrayEquals(filled(10_000, 7), read(again, 100, 10_000));
        assertEquals(0x0102030405060708L, again.getLong(20_000));
        again.close();
        // The redo file still holds that commit; replaying it once more changes nothing.
        assertTrue(Files.size(redo()) > 0);
        byte[] before = Files.readAllBytes(data());
        open().close();
        assertArrayEquals(before, Files.readAllBytes(data()));
    }

    @Test
    void unsyncedWritesAreLostOnClose() throws Exception {
        PagedRedoVolume v = open();
        v.putData(0, filled(64, 1), 0, 64);
        v.sync();
        v.putData(0, filled(64, 2), 0, 64);
        v.close();
        PagedRedoVolume again = open();
        assertArrayEquals(filled(64, 1), read(again, 0, 64));
        again.close();
    }

    @Test
    void aCrashAfterTheRedoFileIsDurableIsReplayedOnOpen() throws Exception {
        PagedRedoVolume v = open();
        v.putData(0, filled(8_192, 1), 0, 8_192);
        v.sync();
        v.putData(4_000, filled(9_000, 2), 0, 9_000);
        v.setCrashHook(stage -> {
            if (stage == PagedRedoVolume.Stage.REDO_WRITTEN) {
                throw new SimulatedCrash();
            }
        });
        assertThrows(SimulatedCrash.class, v::sync);
        v.close();
        assertTrue(Files.size(redo()) > 0, "the crash left a redo file");
        assertArrayEquals(filled(96, 1), Arrays.copyOfRange(Files.readAllBytes(data()), 4_000, 4_096),
                "the data file was not touched yet");

        PagedRedoVolume again = open();
        assertArrayEquals(filled(4_000, 1), read(again, 0, 4_000));
        assertArrayEquals(filled(9_000, 2), read(again, 4_000, 9_000));
        again.close();
    }

    @Test
    void aCrashWhileTheDataFileIsWrittenIsRepairedOnOpen() throws Exception {
        PagedRedoVolume v = open();
        v.putData(0, filled(20_000, 1), 0, 20_000);
        v.sync();
        v.putData(0, filled(20_000, 3), 0, 20_000);
        v.setCrashHook(stage -> {
            if (stage == PagedRedoVolume.Stage.DATA_WRITTEN) {
                throw new SimulatedCrash();
            }
        });
        assertThrows(SimulatedCrash.class, v::sync);
        v.close();
        // Simulate that only part of the pages reached the data file before the crash.
        try (FileChannel ch = FileChannel.open(data(), StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(filled(4_096, 1)), 8_192);
        }
        PagedRedoVolume again = open();
        assertArrayEquals(filled(20_000, 3), read(again, 0, 20_000));
        again.close();
    }

    @Test
    void aTornRedoFileIsIgnoredAndTheLastCommitStands() throws Exception {
        PagedRedoVolume v = open();
        v.putData(0, filled(5_000, 1), 0, 5_000);
        v.sync();
        v.putData(0, filled(5_000, 4), 0, 5_000);
        v.setCrashHook(stage -> {
            if (stage == PagedRedoVolume.Stage.REDO_WRITTEN) {
                throw new SimulatedCrash();
            }
        });
        assertThrows(SimulatedCrash.class, v::sync);
        v.close();
        long full;
        try (FileChannel ch = FileChannel.open(redo(), StandardOpenOption.READ)) {
            full = RedoFile.chainEnd(ch); // where the last record ends (the file runs on in zeros)
        }
        for (long cut : new long[] {full - 1, full - 9, full / 2, 12}) {
            byte[] redoBytes = Files.readAllBytes(redo());
            Path torn = dir.resolve("torn-" + cut);
            Files.createDirectories(torn);
            Files.copy(data(), torn.resolve("v.data"));
            Files.write(torn.resolve("v.redo"), Arrays.copyOf(redoBytes, (int) cut));
            PagedRedoVolume t = PagedRedoVolume.open(torn.resolve("v.data"), torn.resolve("v.redo"), 64);
            assertArrayEquals(filled(5_000, 1), read(t, 0, 5_000), "redo cut at " + cut + " bytes is ignored");
            t.close();
        }
        // A flipped bit in a complete redo file fails its checksum, so it is ignored too.
        byte[] redoBytes = Files.readAllBytes(redo());
        redoBytes[100] ^= 0x10;
        Files.write(redo(), redoBytes);
        PagedRedoVolume again = open();
        assertArrayEquals(filled(5_000, 1), read(again, 0, 5_000));
        again.close();
    }

    /**
     * A commit flushes only its redo record; the data file is flushed when the redo file starts a
     * new lap. So after a crash the data file may hold any state since its last flush: here the
     * oldest possible one, the state before the lap began, and the chain still brings it to the
     * last commit. The records of the lap before, still in the file behind the chain, are not
     * replayed (they would write older values over newer ones).
     */
    @Test
    void afterACrashTheChainBringsTheDataFileFromItsLastFlushToTheLastCommit() throws Exception {
        long lap = 48 * 1024;
        PagedRedoVolume v = PagedRedoVolume.open(data(), redo(), 64, lap);
        List<byte[]> states = new ArrayList<>(); // the data file after each commit
        states.add(Files.readAllBytes(data()));
        long lastEnd = 0;
        int laps = 0;
        byte[] flushedBeforeLastLap = states.get(0);
        int commits = 60;
        for (int i = 1; i <= commits; i++) {
            v.ensureAvailable(20_000 + i * 100L);
            v.putData(i * 37L, filled(9_000, i), 0, 9_000); // overlapping ranges, each commit its own value
            v.putData(20_000 + i * 10L, filled(10, 200 + i % 50), 0, 10);
            if (i == commits) {
                v.setCrashHook(stage -> {
                    if (stage == PagedRedoVolume.Stage.REDO_WRITTEN) {
                        throw new SimulatedCrash();
                    }
                });
                assertThrows(SimulatedCrash.class, v::sync);
            } else {
                v.sync();
            }
            long end;
            try (FileChannel ch = FileChannel.open(redo(), StandardOpenOption.READ)) {
                end = RedoFile.chainEnd(ch);
            }
            if (end < lastEnd) { // this commit began a lap: the data file was flushed just before it
                laps++;
                flushedBeforeLastLap = states.get(i - 1);
            }
            lastEnd = end;
            states.add(Files.readAllBytes(data()));
        }
        assertTrue(laps >= 3, "the commits went round the redo file several times: " + laps);
        assertEquals(PagedRedoVolume.GROW_STEP, Files.size(redo()), "the redo file did not grow past its first step");
        v.close();
        byte[] expected = expectedAfter(commits);

        Files.write(data(), flushedBeforeLastLap);
        PagedRedoVolume again = PagedRedoVolume.open(data(), redo(), 64, lap);
        assertArrayEquals(expected, read(again, 0, expected.length), "the data file flushed before the last lap, then the chain");
        again.close();
        // Opened again (the data file now complete): the same, nothing older written over it.
        PagedRedoVolume third = PagedRedoVolume.open(data(), redo(), 64, lap);
        assertArrayEquals(expected, read(third, 0, expected.length));
        third.close();
    }

    /** What the commits of the test above leave in the first bytes. */
    private static byte[] expectedAfter(int commits) {
        byte[] b = new byte[20_000 + commits * 10 + 10];
        for (int i = 1; i <= commits; i++) {
            Arrays.fill(b, i * 37, i * 37 + 9_000, (byte) i);
            Arrays.fill(b, 20_000 + i * 10, 20_000 + i * 10 + 10, (byte) (200 + i % 50));
        }
        return b;
    }

    /** A redo file of the format before chains (one record at offset 0) is still replayed. */
    @Test
    void aRedoFileOfTheFormatBeforeChainsIsReplayed() throws Exception {
        Files.write(data(), new byte[0]);
        // magic "RHZREDO1", new length 8192, one page change of 16 bytes at offset 100, CRC32C
        java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(RedoFile.REDO_HEADER + 16 + 16 + 8);
        out.putLong(0x52485a5245444f31L).putLong(8192).putInt(1);
        out.putLong(0).putInt(100).putInt(16).put(filled(16, 5));
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(out.array(), 0, out.position());
        out.putLong(crc.getValue());
        Files.write(redo(), out.array());
        PagedRedoVolume v = open();
        assertArrayEquals(filled(16, 5), read(v, 100, 16));
        assertEquals(8192, v.length());
        v.close();
    }

    @Test
    void truncateShrinksTheFileAtTheNextSync() throws Exception {
        PagedRedoVolume v = open();
        v.ensureAvailable(10 * PagedRedoVolume.PAGE_SIZE);
        v.putByte(10L * PagedRedoVolume.PAGE_SIZE - 1, (byte) 9);
        v.sync();
        // the file grows in whole steps, so that most commits do not change its size
        assertEquals(PagedRedoVolume.GROW_STEP, Files.size(data()));
        assertEquals(PagedRedoVolume.GROW_STEP, v.length());
        v.ensureAvailable(PagedRedoVolume.GROW_STEP + 1);
        v.putByte(PagedRedoVolume.GROW_STEP, (byte) 7);
        v.sync();
        assertEquals(2 * PagedRedoVolume.GROW_STEP, Files.size(data()));
        v.truncate(2L * PagedRedoVolume.PAGE_SIZE);
        v.sync();
        assertEquals(2L * PagedRedoVolume.PAGE_SIZE, Files.size(data()));
        assertEquals(2L * PagedRedoVolume.PAGE_SIZE, v.length());
        v.close();
    }
}
