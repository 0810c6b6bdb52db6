package io.rhizome.transport.cloud.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.rhizome.spi.backup.BackupTarget;
import io.rhizome.transport.cloud.CloudBackupTarget;
import io.rhizome.transport.cloud.fake.FakeDrive;
import io.rhizome.transport.cloud.folder.FolderStore;
import io.rhizome.transport.cloud.gdrive.DriveState;
import io.rhizome.transport.cloud.gdrive.DriveStore;
import io.rhizome.transport.cloud.gdrive.RefreshTokenSource;

/**
 * The backup target over the cloud backends: on the fake Google Drive (loopback, with injected
 * rate limits and server errors) and on a synced folder. A snapshot is listed only once its
 * manifest was written last; an aborted or dead upload is never listed and the next upload removes
 * what it left; a failed manifest upload leaves nothing listed; a delete hides the snapshot first;
 * a sync client's conflict copy is never a snapshot and a placeholder is refused with a sentence.
 */
class CloudBackupTargetTest {

    @TempDir
    Path tmp;
    private FakeDrive drive;
    private HttpClient http;

    @BeforeEach
    void setUp() throws Exception {
        drive = new FakeDrive();
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterEach
    void tearDown() {
        drive.close();
    }

    private BackupTarget driveTarget() {
        // Files past 10,000 bytes go through a resumable upload in 1 KiB pieces: both paths are used.
        return new CloudBackupTarget(DriveStore.forTests(http, drive.uri(), new RefreshTokenSource(http, drive.tokenEndpoint(), FakeDrive.CLIENT_ID,
                FakeDrive.CLIENT_SECRET, FakeDrive.TEST_REFRESH_TOKEN, System::currentTimeMillis), "backups", 10_000, 1024, DriveState.NONE));
    }

    private static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + seed);
        }
        return b;
    }

    private Set<String> driveNames() {
        return drive.files().stream().map(FakeDrive.DriveFile::name).filter(n -> n.contains(".")).collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void onDriveASnapshotIsListedOnlyOnceCommittedThroughRateLimitsAndServerErrors() throws Exception {
        BackupTarget target = driveTarget();
        assertEquals(List.of(), target.snapshots());
        BackupTarget.Upload up = target.begin("s1");
        drive.inject(FakeDrive.Fault.RATE_LIMITED, FakeDrive.Fault.SERVER_ERROR, FakeDrive.Fault.USER_RATE_LIMITED);
        up.writeChunk(0, bytes(20_000, 1));
        up.writeChunk(1, bytes(300, 2));
        assertEquals(List.of(), target.snapshots(), "chunks without a manifest are not a snapshot");
        assertEquals(List.of(), driveTarget().snapshots(), "not for another device reading the same Drive either");
        up.commit(bytes(100, 3));
        assertEquals(0, drive.faultsLeft());
        assertEquals(List.of("s1"), target.snapshots());
        BackupTarget reader = driveTarget();
        assertEquals(List.of("s1"), reader.snapshots(), "a fresh reader lists it from Drive");
        assertArrayEquals(bytes(20_000, 1), reader.readChunk("s1", 0).orElseThrow());
        assertArrayEquals(bytes(300, 2), reader.readChunk("s1", 1).orElseThrow());
        assertArrayEquals(bytes(100, 3), reader.readManifest("s1").orElseThrow());
        assertEquals(Optional.empty(), reader.readChunk("s1", 2));
        assertEquals(Optional.empty(), reader.readManifest("nope"));
        assertTrue(drive.files().stream().allMatch(f -> !f.name().contains("s1") || f.parent() != null));

        // An upload that is aborted and one that dies (no commit, no abort): neither is listed.
        BackupTarget.Upload aborted = driveTarget().begin("s3");
        aborted.writeChunk(0, bytes(50, 5));
        aborted.abort();
        BackupTarget.Upload dead = target.begin("s2");
        dead.writeChunk(0, bytes(50, 4));
        assertEquals(List.of("s1"), driveTarget().snapshots());
        assertEquals(Set.of("s1.chunk-000000", "s1.chunk-000001", "s1.manifest", "s2.chunk-000000"), driveNames(),
                "the aborted upload removed its chunk; the dead one's is left until the next upload");

        // The manifest upload fails past every retry: nothing is listed, and the next upload cleans up.
        BackupTarget.Upload failing = driveTarget().begin("s4");
        assertEquals(Set.of("s1.chunk-000000", "s1.chunk-000001", "s1.manifest"), driveNames(), "begin removed what s2 left");
        failing.writeChunk(0, bytes(50, 6));
        drive.inject(Stream.generate(() -> FakeDrive.Fault.SERVER_ERROR).limit(12).toArray(FakeDrive.Fault[]::new));
        assertThrows(IOException.class, () -> failing.commit(bytes(10, 7)));
        failing.abort();
        drainFaults();
        assertEquals(List.of("s1"), driveTarget().snapshots());
        assertThrows(java.nio.file.FileAlreadyExistsException.class, () -> driveTarget().begin("s1"));

        driveTarget().delete("s1");
        assertEquals(List.of(), driveTarget().snapshots());
        assertEquals(Set.of(), driveNames(), "a deleted snapshot leaves no file in Drive");
    }

    /** Faults left over from a failed call are served to the next requests, which retry through them. */
    private void drainFaults() throws IOException {
        BackupTarget t = driveTarget();
        for (int i = 0; i < 20 && drive.faultsLeft() > 0; i++) {
            t.snapshots();
        }
        assertEquals(0, drive.faultsLeft());
    }

    @Test
    void inASyncedFolderConflictCopiesAreIgnoredAndPlaceholdersRefusedWithASentence() throws Exception {
        Path root = tmp.resolve("Dropbox");
        BackupTarget target = new CloudBackupTarget(new FolderStore(root));
        BackupTarget.Upload up = target.begin("s1");
        up.writeChunk(0, bytes(5000, 1));
        assertEquals(List.of(), target.snapshots());
        up.commit(bytes(64, 2));
        assertEquals(List.of("s1"), target.snapshots());
        Path folder = root.resolve(CloudBackupTarget.FOLDER);
        try (Stream<Path> files = Files.list(folder)) {
            assertEquals(Set.of("s1.chunk-000000", "s1.manifest"), files.map(p -> p.getFileName().toString()).collect(Collectors.toSet()),
                    "no temporary file is left for the sync client to upload");
        }

        // The sync client made a conflict copy of the manifest, and another device's snapshot is a placeholder.
        Files.copy(folder.resolve("s1.manifest"), folder.resolve("s1 2.manifest"));
        Files.copy(folder.resolve("s1.manifest"), folder.resolve("s0 (laptop's conflicted copy 2026-12-01).manifest"));
        Files.write(folder.resolve(".s2.manifest.icloud"), new byte[] { 1 });
        assertEquals(Set.of("s1", "s2"), Set.copyOf(target.snapshots()), "conflict copies are no snapshot; a placeholder is one not downloaded yet");
        IOException notYet = assertThrows(IOException.class, () -> target.readManifest("s2"));
        assertTrue(notYet.getMessage().contains("not downloaded yet by the sync client"), notYet.getMessage());
        assertArrayEquals(bytes(5000, 1), target.readChunk("s1", 0).orElseThrow());

        // A second snapshot, then deleting the first: its manifest and chunks go, the copies the sync client made stay its business.
        BackupTarget.Upload second = target.begin("s3");
        second.writeChunk(0, bytes(10, 3));
        second.commit(bytes(10, 4));
        target.delete("s1");
        assertEquals(Set.of("s2", "s3"), Set.copyOf(target.snapshots()));
        assertTrue(Files.notExists(folder.resolve("s1.chunk-000000")) && Files.notExists(folder.resolve("s1.manifest")));
    }
}
