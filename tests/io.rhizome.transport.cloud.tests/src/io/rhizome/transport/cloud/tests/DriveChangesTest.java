package io.rhizome.transport.cloud.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileNotFoundException;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.rhizome.transport.cloud.fake.FakeDrive;
import io.rhizome.transport.cloud.gdrive.DriveState;
import io.rhizome.transport.cloud.gdrive.DriveStore;
import io.rhizome.transport.cloud.gdrive.RefreshTokenSource;

/**
 * Polling with the Changes API: a reader lists the tree once (after taking the start token), then
 * learns of other devices' new and deleted files from one {@code changes.list} per round; the
 * page token and index it keeps let a restarted reader continue without listing; a token Drive
 * refuses makes it list again; Drive's 404 and rate limits are handled.
 */
class DriveChangesTest {

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

    private DriveStore store(DriveState state) {
        return DriveStore.forTests(http, drive.uri(), new RefreshTokenSource(http, drive.tokenEndpoint(), FakeDrive.CLIENT_ID, FakeDrive.CLIENT_SECRET,
                FakeDrive.TEST_REFRESH_TOKEN, System::currentTimeMillis), "appDataFolder", 10_000, 1024, state);
    }

    @Test
    void aReaderListsOnceThenFollowsChangesAndARestartContinuesFromTheKeptToken() throws Exception {
        DriveStore writer = store(DriveState.NONE);
        for (int i = 0; i < 5; i++) {
            writer.write("w/ch", "f" + i + ".rzb", new byte[] { (byte) i });
        }
        Memory kept = new Memory();
        DriveStore reader = store(kept);
        reader.beginRound();
        assertEquals(Set.of("f0.rzb", "f1.rzb", "f2.rzb", "f3.rzb", "f4.rzb"), reader.list("w/ch").files());
        assertTrue(drive.pagedLists.get() > 0, "the first listing pages (" + FakeDrive.PAGE + " per page)");
        int lists = drive.fileLists.get();

        writer.write("w/ch", "f5.rzb", new byte[] { 5 });
        writer.delete("w/ch", "f0.rzb");
        writer.write("w/other", "g.rzb", new byte[] { 6 });
        int changes = drive.changeLists.get();
        long before = reader.requests();
        reader.beginRound();
        assertEquals(Set.of("f1.rzb", "f2.rzb", "f3.rzb", "f4.rzb", "f5.rzb"), reader.list("w/ch").files());
        assertEquals(Set.of("g.rzb"), reader.list("w/other").files());
        assertEquals(lists, drive.fileLists.get(), "no folder was listed again");
        // Four changes (a file, a deletion, a folder, a file) in pages of three: two changes.list requests, nothing else.
        assertEquals(changes + 2, drive.changeLists.get());
        assertEquals(2, reader.requests() - before, "the round cost the change pages only");
        assertEquals(6, reader.read("w/other", "g.rzb")[0]);

        // A restarted reader with the kept state: no listing and no new start token, only changes.
        writer.write("w/ch", "f6.rzb", new byte[] { 7 });
        int startTokens = drive.startTokens.get();
        DriveStore restarted = store(kept);
        restarted.beginRound();
        assertEquals(Set.of("f1.rzb", "f2.rzb", "f3.rzb", "f4.rzb", "f5.rzb", "f6.rzb"), restarted.list("w/ch").files());
        assertEquals(lists, drive.fileLists.get(), "the restart listed nothing");
        assertEquals(startTokens, drive.startTokens.get(), "and continued from the kept token");
    }

    @Test
    void aPageTokenDriveRefusesMakesTheReaderListAgain() throws Exception {
        store(DriveState.NONE).write("w/ch", "a.rzb", new byte[] { 1 });
        Memory kept = new Memory();
        kept.value.set("{\"v\":1,\"root\":\"appDataFolder\",\"rootId\":\"appdata-root\",\"pageToken\":\"99999\",\"entries\":{}}".getBytes());
        DriveStore reader = store(kept);
        reader.beginRound();
        assertEquals(Set.of("a.rzb"), reader.list("w/ch").files(), "the refused token was dropped and the tree listed");
        assertTrue(new String(kept.value.get()).contains("\"pageToken\":\"") && !new String(kept.value.get()).contains("99999"));
    }

    @Test
    void notFoundRateLimitsAndServerErrorsAreHandled() throws Exception {
        DriveStore writer = store(DriveState.NONE);
        writer.write("w/ch", "a.rzb", new byte[] { 1 });
        DriveStore reader = store(DriveState.NONE);
        reader.beginRound();
        drive.inject(FakeDrive.Fault.USER_RATE_LIMITED, FakeDrive.Fault.RATE_LIMITED, FakeDrive.Fault.SERVER_ERROR);
        assertEquals(1, reader.read("w/ch", "a.rzb")[0], "403 userRateLimitExceeded, 403 rateLimitExceeded and 500 are retried with back-off");
        assertEquals(0, drive.faultsLeft());
        writer.delete("w/ch", "a.rzb");
        assertThrows(FileNotFoundException.class, () -> reader.read("w/ch", "a.rzb"), "deleted since the last round: Drive's 404 is 'gone'");
        assertEquals(Set.of(), reader.list("w/ch").files(), "and it is forgotten");
        writer.write("w/ch", "b.rzb", new byte[] { 2 });
        reader.beginRound();
        assertEquals(Set.of("b.rzb"), reader.list("w/ch").files());
        drive.inject(FakeDrive.Fault.NOT_FOUND);
        assertThrows(FileNotFoundException.class, () -> reader.read("w/ch", "b.rzb"), "a 404 is never retried: the file is taken as gone");
        assertEquals(0, drive.faultsLeft());
    }

    /** A kept state in memory, as the node's metadata space keeps it. */
    private static final class Memory implements DriveState {
        final AtomicReference<byte[]> value = new AtomicReference<>();

        @Override
        public Optional<byte[]> load() {
            return Optional.ofNullable(value.get());
        }

        @Override
        public void save(byte[] state) {
            value.set(state);
        }
    }
}
