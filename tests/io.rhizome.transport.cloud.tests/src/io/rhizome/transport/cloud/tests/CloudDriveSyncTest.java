package io.rhizome.transport.cloud.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.util.tracker.ServiceTracker;

import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.crypto.EncryptionProvider;
import io.rhizome.spi.crypto.KeyService.MeshKey;
import io.rhizome.transport.cloud.CloudExchange;
import io.rhizome.transport.cloud.gdrive.DriveException;
import io.rhizome.transport.cloud.fake.FakeDrive;
import io.rhizome.transport.cloud.gdrive.DriveStore;
import io.rhizome.transport.cloud.gdrive.RefreshTokenSource;

/**
 * Devices never up at the same time, syncing through Google Drive — a fake Drive server on loopback
 * (see {@link FakeDrive}) that pages listings, takes both upload protocols and fails requests the
 * way Drive does (401, 403 rateLimitExceeded, 429 with Retry-After, 500, a timeout, a truncated
 * download).
 */
class CloudDriveSyncTest {

    /** Batch files of one change set each, so that a channel holds more files than a listing page. */
    private static final CloudExchange.Settings ONE_PER_FILE = new CloudExchange.Settings(1, 1L << 30, 0);

    private FakeDrive drive;
    private HttpClient http;
    private ServiceTracker<EncryptionProvider, EncryptionProvider> providers;
    private ServiceTracker<CrdtType, CrdtType> types;
    private EncryptionProvider bc;
    private final List<Device> devices = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        drive = new FakeDrive();
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        BundleContext ctx = FrameworkUtil.getBundle(CloudDriveSyncTest.class).getBundleContext();
        providers = new ServiceTracker<>(ctx, ctx.createFilter("(&(objectClass=" + EncryptionProvider.class.getName() + ")(crypto.provider=bc))"), null);
        providers.open();
        types = new ServiceTracker<>(ctx, CrdtType.class, null);
        types.open();
        bc = providers.waitForService(30_000);
        assertNotNull(bc);
        long deadline = System.currentTimeMillis() + 30_000;
        while (type("lww-register").isEmpty()) {
            assertTrue(System.currentTimeMillis() < deadline, "the CRDT types are registered within 30 s");
            types.waitForService(1000);
        }
    }

    @AfterEach
    void tearDown() {
        devices.forEach(Device::close);
        drive.close();
        providers.close();
        types.close();
    }

    private Optional<CrdtType> type(String name) {
        ServiceReference<CrdtType>[] refs = types.getServiceReferences();
        for (ServiceReference<CrdtType> r : refs == null ? new ServiceReference[0] : refs) {
            if (name.equals(r.getProperty(CrdtType.TYPE_PROPERTY))) {
                return Optional.ofNullable(types.getService(r));
            }
        }
        return Optional.empty();
    }

    private DriveStore store(String refreshToken) {
        RefreshTokenSource tokens = new RefreshTokenSource(http, drive.tokenEndpoint(), FakeDrive.CLIENT_ID, FakeDrive.CLIENT_SECRET, refreshToken,
                System::currentTimeMillis);
        return DriveStore.forTests(http, drive.uri(), tokens, "appDataFolder", 10_000, 1024);
    }

    @Test
    void twoDevicesNeverUpTogetherConvergeThroughDriveDespiteItsErrors() throws Exception {
        MeshKey key = MemoryKeys.randomMeshKey(1);
        Device a = new Device(bc, this::type, new MemoryKeys(bc, key));
        Device b = new Device(bc, this::type, new MemoryKeys(bc, key));
        devices.addAll(List.of(a, b));
        for (Device d : devices) {
            d.trusted.add(a.id());
            d.trusted.add(b.id());
        }
        String big = "x".repeat(20_000);

        a.start();
        for (int i = 0; i < 5; i++) {
            a.put("notes", "k" + i, "value " + i);
        }
        a.put("notes", "big", big);
        drive.inject(FakeDrive.Fault.RATE_LIMITED, FakeDrive.Fault.TOO_MANY, FakeDrive.Fault.SERVER_ERROR, FakeDrive.Fault.UNAUTHORIZED,
                FakeDrive.Fault.TIMEOUT);
        CloudExchange.RoundResult wrote = a.exchange(store("the-refresh-token"), ONE_PER_FILE).round();
        assertEquals(6, wrote.filesWritten(), "one file per change set");
        a.stop();
        assertEquals(0, drive.faultsLeft(), "every injected fault was met and retried");
        assertTrue(drive.resumableUploads.get() >= 1, "the big batch went up through a resumable session in 1 KiB chunks");
        assertTrue(drive.multipartUploads.get() >= 5, "the small ones in one multipart request each");

        b.start();
        // A download cut short is retried at once; one that looks whole but is not is caught by its hash and waited for.
        drive.inject(FakeDrive.Fault.TRUNCATED, FakeDrive.Fault.SHORT);
        CloudExchange bx = b.exchange(store("the-refresh-token"), ONE_PER_FILE);
        CloudExchange.RoundResult first = bx.round();
        assertEquals(0, drive.faultsLeft());
        assertTrue(drive.pagedLists.get() > 0, "A's channel of 6 files was listed over pages of " + FakeDrive.PAGE);
        assertEquals(0, first.filesRead(), "the short download is not used, and the channel waits at it");
        assertTrue(b.get("notes", "k0").isEmpty(), "nothing applied");
        String problem = bx.status().peers().get(a.id()).problem();
        assertTrue(problem != null && problem.contains("trying again"), problem);
        CloudExchange.RoundResult second = bx.round();
        assertEquals(6, second.filesRead(), "the next round reads all six");
        assertEquals(Optional.of("value 4"), b.get("notes", "k4"));
        assertEquals(Optional.of(big), b.get("notes", "big"));
        b.put("notes", "from-b", "B's answer");
        bx.round();
        b.stop();

        a.start();
        CloudExchange ax = a.exchange(store("the-refresh-token"), ONE_PER_FILE);
        ax.round();
        assertEquals(Optional.of("B's answer"), a.get("notes", "from-b"));
        // A compacts what B acknowledged: its six files go once B's manifest covers them.
        long aFilesLeft = drive.files().stream().filter(f -> f.name().endsWith(".rzb") && f.content().length > 0).count();
        assertTrue(aFilesLeft <= 2, "A deleted the batches B applied (left: B's one, maybe none of A's): " + aFilesLeft);
        a.stop();

        for (FakeDrive.DriveFile f : drive.files()) {
            String content = new String(f.content(), StandardCharsets.ISO_8859_1);
            for (String needle : List.of("notes", "value 4", "B's answer", "xxxxxxxxxx")) {
                assertFalse(content.contains(needle), f.name() + " holds '" + needle + "' in the clear");
                assertFalse(f.name().contains(needle), f.name());
            }
        }
    }

    @Test
    void compactionThroughDriveLeavesOneSnapshotAndAReaderFromScratchCatchesUpFromIt() throws Exception {
        MeshKey key = MemoryKeys.randomMeshKey(1);
        Device a = new Device(bc, this::type, new MemoryKeys(bc, key));
        Device b = new Device(bc, this::type, new MemoryKeys(bc, key));
        devices.addAll(List.of(a, b));
        for (Device d : devices) {
            d.trusted.add(a.id());
            d.trusted.add(b.id());
        }
        a.start();
        for (int i = 0; i < 6; i++) {
            a.put("notes", "entity-key-" + i, "value " + i);
        }
        assertEquals(6, a.exchange(store("the-refresh-token"), ONE_PER_FILE).round().filesWritten());
        a.stop();
        b.start();
        assertEquals(6, b.exchange(store("the-refresh-token"), ONE_PER_FILE).round().filesRead());
        b.stop();

        a.start();
        CloudExchange.RoundResult compacted = a.exchange(store("the-refresh-token"), ONE_PER_FILE).round();
        a.put("notes", "after", "written after the snapshot");
        CloudExchange ax = a.exchange(store("the-refresh-token"), ONE_PER_FILE);
        assertEquals(1, ax.round().filesWritten());
        a.stop();
        assertEquals(6, compacted.filesDeleted(), "the six files B applied were deleted on Drive");
        List<FakeDrive.DriveFile> snapshots = drive.files().stream().filter(f -> f.name().endsWith(".rzs")).toList();
        assertEquals(1, snapshots.size(), "one snapshot in A's channel to B: " + snapshots);
        assertEquals(1, drive.files().stream().filter(f -> f.name().endsWith(".rzb")).count(), "only the batch written after it");
        String content = new String(snapshots.get(0).content(), StandardCharsets.ISO_8859_1);
        // needles long enough that ciphertext cannot hold them by chance (a 2-byte one would, often)
        for (String needle : List.of("notes", "value 3", "entity-key-3")) {
            assertFalse(content.contains(needle), "the snapshot holds '" + needle + "' in the clear");
        }

        // A new replica of B (its data lost) reads the snapshot, then the one file after it, through Drive.
        Device fresh = new Device(bc, this::type, b.keys);
        fresh.trusted.addAll(b.trusted);
        devices.add(fresh);
        fresh.start();
        CloudExchange.RoundResult r = fresh.exchange(store("the-refresh-token"), ONE_PER_FILE).round();
        assertEquals(2, r.filesRead(), "the snapshot and batch 7");
        for (int i = 0; i < 6; i++) {
            assertEquals(Optional.of("value " + i), fresh.get("notes", "entity-key-" + i));
        }
        assertEquals(Optional.of("written after the snapshot"), fresh.get("notes", "after"));
        fresh.stop();
    }

    @Test
    void withoutATokenDriveAnswers401AndABadRefreshTokenSaysToSignInAgain() throws Exception {
        HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(drive.uri().resolve("/drive/v3/files?q=x")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(401, anonymous.statusCode());
        assertTrue(anonymous.body().contains("\"reason\":\"authError\""), anonymous.body());

        DriveStore revoked = store("a-revoked-refresh-token");
        DriveException e = assertThrows(DriveException.class, () -> revoked.write("a", "n.rzb", new byte[10]));
        assertTrue(e.getMessage().contains("sign in again with `rhizome cloud add gdrive`"), e.getMessage());
        assertTrue(drive.files().isEmpty(), "nothing was written");
    }
}
