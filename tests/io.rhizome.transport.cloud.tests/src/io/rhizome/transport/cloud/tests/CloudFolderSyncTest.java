package io.rhizome.transport.cloud.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.util.tracker.ServiceTracker;

import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.crypto.EncryptionProvider;
import io.rhizome.spi.crypto.KeyService.MeshKey;
import io.rhizome.transport.cloud.CloudExchange;
import io.rhizome.transport.cloud.CloudStatus;
import io.rhizome.transport.cloud.folder.FolderStore;

/**
 * Devices that are never up at the same time, syncing through a plain folder: real engines sealing
 * with the Bouncy Castle provider, the folder on disk, and files tampered with, truncated,
 * replayed, copied, left as placeholders or conflict copies between rounds.
 */
class CloudFolderSyncTest {

    private static final CloudExchange.Settings SETTINGS = CloudExchange.Settings.DEFAULTS;

    @TempDir
    Path dir;
    private ServiceTracker<EncryptionProvider, EncryptionProvider> providers;
    private ServiceTracker<CrdtType, CrdtType> types;
    private EncryptionProvider bc;
    private final List<Device> devices = new ArrayList<>();
    private MeshKey meshKey;

    @BeforeEach
    void setUp() throws Exception {
        BundleContext ctx = FrameworkUtil.getBundle(CloudFolderSyncTest.class).getBundleContext();
        providers = new ServiceTracker<>(ctx, ctx.createFilter("(&(objectClass=" + EncryptionProvider.class.getName() + ")(crypto.provider=bc))"), null);
        providers.open();
        types = new ServiceTracker<>(ctx, CrdtType.class, null);
        types.open();
        bc = providers.waitForService(30_000);
        assertNotNull(bc, "the Bouncy Castle provider is registered");
        long deadline = System.currentTimeMillis() + 30_000;
        while (type("g-counter").isEmpty() || type("lww-register").isEmpty()) {
            assertTrue(System.currentTimeMillis() < deadline, "the built-in CRDT types are registered within 30 s");
            types.waitForService(1000);
            Thread.onSpinWait();
        }
        meshKey = MemoryKeys.randomMeshKey(1);
    }

    @AfterEach
    void tearDown() {
        devices.forEach(Device::close);
        providers.close();
        types.close();
    }

    private Optional<CrdtType> type(String name) {
        ServiceReference<CrdtType>[] refs = types.getServiceReferences();
        if (refs != null) {
            for (ServiceReference<CrdtType> ref : refs) {
                if (name.equals(ref.getProperty(CrdtType.TYPE_PROPERTY))) {
                    return Optional.ofNullable(types.getService(ref));
                }
            }
        }
        return Optional.empty();
    }

    private Device device(MeshKey... keys) {
        Device d = new Device(bc, this::type, new MemoryKeys(bc, keys));
        devices.add(d);
        return d;
    }

    /** Devices of one mesh, each trusting all the others. */
    private List<Device> mesh(int n) {
        List<Device> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(device(meshKey));
        }
        for (Device d : out) {
            out.forEach(o -> d.trusted.add(o.id()));
        }
        return out;
    }

    /** One daemon run: start, one round through the folder (more if it has more to read), stop. */
    private CloudExchange.RoundResult run(Device d, FolderStore folder, Runnable whileUp) throws Exception {
        d.start();
        try {
            CloudExchange x = d.exchange(folder, SETTINGS);
            CloudExchange.RoundResult r = x.round();
            whileUp.run();
            x.round();
            return r;
        } finally {
            d.stop();
        }
    }

    private static void write(Device d, String ns, String key, String value) {
        try {
            d.put(ns, key, value);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void twoDevicesNeverUpTogetherConvergeThroughAPlainFolder() throws Exception {
        List<Device> m = mesh(2);
        Device a = m.get(0);
        Device b = m.get(1);
        FolderStore folder = new FolderStore(dir.resolve("mesh"));

        run(a, folder, () -> write(a, "notes", "from-a", "written by A"));
        run(b, folder, () -> write(b, "notes", "from-b", "written by B"));
        run(a, folder, () -> write(a, "notes", "from-a-2", "A again"));
        run(b, folder, () -> {
        });

        for (Device d : m) {
            d.start();
            assertEquals(Optional.of("written by A"), d.get("notes", "from-a"), "A's first write reached " + d.id());
            assertEquals(Optional.of("written by B"), d.get("notes", "from-b"), "B's write reached " + d.id());
            d.stop();
        }
        b.start();
        assertEquals(Optional.of("A again"), b.get("notes", "from-a-2"));
        b.stop();
    }

    @Test
    void theFolderHoldsNoPlaintextAndNamesNoNamespaceKeyOrDevice() throws Exception {
        List<Device> m = mesh(2);
        Device a = m.get(0);
        FolderStore folder = new FolderStore(dir.resolve("mesh"));
        String secret = "the-secret-value-" + System.nanoTime();
        run(a, folder, () -> write(a, "notes", "secret-key-name", secret));
        run(a, folder, () -> write(a, "notes", "long", "x".repeat(2000)));
        List<Path> toB = batches(channel(folder, a, m.get(1)));
        assertEquals(2, toB.size(), "one batch per run: " + toB);
        assertEquals(Files.size(toB.get(0)), Files.size(toB.get(1)), "a short and a 2,000-character write make files of one size");
        run(m.get(1), folder, () -> {
        });
        m.get(1).start();
        assertEquals(Optional.of(secret), m.get(1).get("notes", "secret-key-name"), "the value did travel through the folder");
        m.get(1).stop();

        List<Path> files;
        try (Stream<Path> s = Files.walk(folder.root())) {
            files = s.toList();
        }
        assertTrue(files.stream().filter(Files::isRegularFile).count() >= 3, "two manifests and a batch at least: " + files);
        for (Path p : files) {
            String name = folder.root().relativize(p).toString();
            for (String needle : List.of("notes", "secret-key-name", secret, a.id(), m.get(1).id())) {
                assertFalse(name.contains(needle), "the path " + name + " names " + needle);
            }
            if (Files.isRegularFile(p)) {
                String content = new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1);
                for (String needle : List.of("notes", "secret-key-name", secret, "lww-register", a.id(), "visits")) {
                    assertFalse(content.contains(needle), name + " holds '" + needle + "' in the clear");
                }
            }
        }
    }

    @Test
    void tamperedTruncatedReplayedAndCopiedFilesAreNeverApplied() throws Exception {
        List<Device> m = mesh(3);
        Device a = m.get(0);
        Device b = m.get(1);
        Device c = m.get(2);
        FolderStore folder = new FolderStore(dir.resolve("mesh"));
        run(a, folder, () -> write(a, "notes", "k", "v1"));
        Path channel = channel(folder, a, b);
        Path batch = onlyBatch(channel);
        byte[] good = Files.readAllBytes(batch);

        // Truncated (a sync client still downloading): waited for, nothing applied.
        Files.write(batch, java.util.Arrays.copyOf(good, good.length / 2));
        assertNothingApplied(b, folder, "truncated");
        // Tampered in the middle (same length, so only the seal can tell).
        byte[] tampered = good.clone();
        tampered[tampered.length / 2] ^= 1;
        Files.write(batch, tampered);
        assertNothingApplied(b, folder, "tampered");
        // Tampered and renamed to match its new hash: the seal still tells.
        Files.delete(batch);
        Files.write(channel.resolve(batchName(1, tampered)), tampered);
        assertNothingApplied(b, folder, "tampered and renamed");
        Files.delete(channel.resolve(batchName(1, tampered)));

        // Copied into C's channel to B, as if C had written it: it is bound to A's channel.
        Path cToB = channel(folder, c, b);
        Files.createDirectories(cToB);
        Files.write(cToB.resolve(batchName(1, good)), good);
        // Replayed in A's own channel under the next number: it carries its own number inside.
        Files.write(channel.resolve(batchName(2, good)), good);
        assertNothingApplied(b, folder, "copied and replayed");

        // The original back in place: applied once; the replay under number 2 is refused after it, the copy stays refused.
        Files.delete(cToB.resolve(batchName(1, good)));
        Files.write(channel.resolve(batchName(1, good)), good);
        b.start();
        CloudExchange x = b.exchange(folder, SETTINGS);
        CloudExchange.RoundResult r = x.round();
        assertEquals(1, r.filesRead(), "batch 1 read, the replay under number 2 refused");
        assertEquals(Optional.of("v1"), b.get("notes", "k"));
        CloudStatus.Peer fromA = x.status().peers().get(a.id());
        assertTrue(fromA.problem() != null && fromA.problem().contains("replayed"), "status names the replay: " + fromA);
        b.stop();
    }

    @Test
    void aForeignMeshsFilesAndARevokedDevicesFolderAreIgnored() throws Exception {
        List<Device> m = mesh(2);
        Device a = m.get(0);
        Device b = m.get(1);
        Device foreign = device(MemoryKeys.randomMeshKey(1));
        foreign.trusted.add(b.id());
        foreign.trusted.add(foreign.id());
        b.trusted.add(foreign.id()); // B even lists it: its files still do not open under B's mesh key
        FolderStore folder = new FolderStore(dir.resolve("mesh"));
        run(foreign, folder, () -> write(foreign, "notes", "f", "foreign"));
        assertTrue(Files.isDirectory(channel(folder, foreign, b)), "the foreign device wrote for B");
        run(b, folder, () -> {
        });
        b.start();
        assertEquals(Optional.empty(), b.get("notes", "f"), "nothing of another mesh is applied");
        b.stop();

        // A revoked: B no longer trusts it, so A's folder is not read even though its files are good.
        b.trusted.remove(a.id());
        run(a, folder, () -> write(a, "notes", "r", "from the revoked device"));
        run(b, folder, () -> {
        });
        b.start();
        assertEquals(Optional.empty(), b.get("notes", "r"), "a revoked device's folder is ignored");
        b.stop();
    }

    @Test
    void aFileSealedUnderANewKeyEpochWaitsUntilTheKeyArrives() throws Exception {
        List<Device> m = mesh(2);
        Device a = m.get(0);
        Device b = m.get(1);
        MeshKey rotated = a.keys.rotateMeshKey();
        FolderStore folder = new FolderStore(dir.resolve("mesh"));
        run(a, folder, () -> write(a, "notes", "k", "under epoch 2"));
        assertNothingApplied(b, folder, "sealed under an epoch B lacks");
        b.keys.installMeshKey(rotated);
        run(b, folder, () -> {
        });
        b.start();
        assertEquals(Optional.of("under epoch 2"), b.get("notes", "k"));
        b.stop();
    }

    @Test
    void iCloudPlaceholdersAreWaitedForAndConflictCopiesChangeNothing() throws Exception {
        List<Device> m = mesh(2);
        Device a = m.get(0);
        Device b = m.get(1);
        FolderStore folder = new FolderStore(dir.resolve("mesh"));
        run(a, folder, () -> write(a, "notes", "k", "v1"));
        Path channel = channel(folder, a, b);
        Path batch = onlyBatch(channel);
        String name = batch.getFileName().toString();
        Path placeholder = channel.resolve("." + name + ".icloud");
        Files.move(batch, placeholder);

        b.start();
        CloudExchange x = b.exchange(folder, SETTINGS);
        assertEquals(0, x.round().filesRead());
        assertEquals(Optional.empty(), b.get("notes", "k"));
        String problem = x.status().peers().get(a.id()).problem();
        assertTrue(problem != null && problem.contains("still downloading"), "status says it waits for the placeholder: " + problem);

        // The sync client downloads it, and also leaves a conflict copy of it and of A's manifest.
        Files.move(placeholder, batch);
        Files.copy(batch, channel.resolve(name.replace(".rzb", " 2.rzb")));
        Path aFolder = channel.getParent();
        Files.copy(aFolder.resolve("manifest.rzm"), aFolder.resolve("manifest (laptop's conflicted copy 2026-12-01).rzm"));
        CloudExchange.RoundResult r = x.round();
        assertEquals(1, r.filesRead(), "the batch once, its conflict copy not");
        assertEquals(Optional.of("v1"), b.get("notes", "k"));
        assertEquals(1L, b.engine().versions().get("notes|" + a.id()));
        b.stop();
    }

    @Test
    void compactionNeverDeletesWhatADeviceHasNotAcknowledged() throws Exception {
        List<Device> m = mesh(3);
        Device a = m.get(0);
        Device b = m.get(1);
        Device c = m.get(2); // never runs: it acknowledges nothing
        FolderStore folder = new FolderStore(dir.resolve("mesh"));
        run(a, folder, () -> {
            for (int i = 0; i < 5; i++) {
                write(a, "notes", "k" + i, "v" + i);
            }
        });
        int toB = batches(channel(folder, a, b)).size();
        int toC = batches(channel(folder, a, c)).size();
        assertTrue(toB >= 1 && toC >= 1, "A wrote for both");

        run(a, folder, () -> {
        });
        assertEquals(toB, batches(channel(folder, a, b)).size(), "nothing deleted before B read it");

        run(b, folder, () -> {
        });
        run(a, folder, () -> write(a, "notes", "later", "x"));
        List<Path> leftForB = batches(channel(folder, a, b));
        assertEquals(1, leftForB.size(), "what B applied is gone, the batch written after it stays: " + leftForB);
        assertTrue(batches(channel(folder, a, c)).size() >= toC, "nothing C has not acknowledged is deleted");

        run(b, folder, () -> {
        });
        b.start();
        assertEquals(Optional.of("x"), b.get("notes", "later"));
        for (int i = 0; i < 5; i++) {
            assertEquals(Optional.of("v" + i), b.get("notes", "k" + i));
        }
        b.stop();
        // C comes up at last and still gets everything from the files kept for it.
        run(c, folder, () -> {
        });
        c.start();
        assertEquals(Optional.of("v4"), c.get("notes", "k4"));
        assertEquals(Optional.of("x"), c.get("notes", "later"));
        c.stop();
    }

    private void assertNothingApplied(Device b, FolderStore folder, String what) throws Exception {
        b.start();
        try {
            long before = b.engine().appliedRemoteCount();
            CloudExchange x = b.exchange(folder, SETTINGS);
            CloudExchange.RoundResult r = x.round();
            assertEquals(0, r.changeSetsApplied(), what + ": nothing applied");
            assertEquals(0, r.filesRead(), what + ": no file taken");
            assertEquals(before, b.engine().appliedRemoteCount(), what + ": the engine applied nothing");
            assertTrue(b.engine().versions().keySet().stream().noneMatch(s -> s.startsWith("notes|")), what + ": no stream of notes here");
        } finally {
            b.stop();
        }
    }

    private static Path channel(FolderStore folder, Device writer, Device reader) {
        return folder.root().resolve(folderOf(writer)).resolve(folderOf(reader));
    }

    /** The same hash the exchange names folders by (checked: the test would find no files otherwise). */
    private static String folderOf(Device d) {
        try {
            byte[] h = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(("rhizome/cloud-folder/v1|" + d.id()).getBytes(StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(h, 0, 12);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static String batchName(long seq, byte[] file) throws Exception {
        byte[] h = java.security.MessageDigest.getInstance("SHA-256").digest(file);
        return String.format("%016x-%s.rzb", seq, java.util.HexFormat.of().formatHex(h, 0, 16));
    }

    private static List<Path> batches(Path channel) throws IOException {
        if (!Files.isDirectory(channel)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(channel)) {
            return s.filter(p -> p.getFileName().toString().matches("[0-9a-f]{16}-[0-9a-f]{32}\\.rzb")).sorted().toList();
        }
    }

    private static Path onlyBatch(Path channel) throws IOException {
        List<Path> b = batches(channel);
        assertEquals(1, b.size(), "one batch file in " + channel + ": " + b);
        return b.get(0);
    }
}
