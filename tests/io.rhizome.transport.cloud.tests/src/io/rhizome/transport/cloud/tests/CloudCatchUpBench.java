package io.rhizome.transport.cloud.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.util.tracker.ServiceTracker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import io.rhizome.core.internal.engine.SyncEngine;
import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.crypto.EncryptionProvider;
import io.rhizome.spi.crypto.KeyService.MeshKey;
import io.rhizome.transport.cloud.CloudExchange;
import io.rhizome.transport.cloud.CloudStore;
import io.rhizome.transport.cloud.fake.FakeDrive;
import io.rhizome.transport.cloud.gdrive.DriveStore;
import io.rhizome.transport.cloud.gdrive.RefreshTokenSource;
import io.rhizome.transport.cloud.folder.FolderStore;

/**
 * Catch-up through each backend: A writes {@code rhizome.bench.events} change sets (default
 * 100,000) while B is down, writes them out to a folder and to the fake Drive (with
 * {@code rhizome.bench.driveLatencyMillis} per request, default 50), then a fresh B comes up and
 * reads them all from each; then A compacts (the files B applied become one snapshot) and a new
 * replica of B catches up from the compacted folder. Not part of the normal run
 * (its name does not end in Test); run it with
 * {@code ./mvnw -B -o verify -pl tests/io.rhizome.transport.cloud.tests -am -Dtest=CloudCatchUpBench ...}.
 * It asserts that B holds everything and logs the times and bytes per event.
 */
class CloudCatchUpBench {

    private static long folderBytes(Path root) throws java.io.IOException {
        try (Stream<Path> s = Files.walk(root)) {
            long bytes = 0;
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                bytes += Files.size(p);
            }
            return bytes;
        }
    }

    private static long folderFiles(Path root) throws java.io.IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).count();
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(CloudCatchUpBench.class);

    @TempDir
    Path dir;

    @Test
    void catchUpThroughAFolder() throws Exception {
        int events = Integer.getInteger("rhizome.bench.events", 100_000);
        BundleContext ctx = FrameworkUtil.getBundle(CloudCatchUpBench.class).getBundleContext();
        ServiceTracker<EncryptionProvider, EncryptionProvider> providers = new ServiceTracker<>(ctx,
                ctx.createFilter("(&(objectClass=" + EncryptionProvider.class.getName() + ")(crypto.provider=bc))"), null);
        providers.open();
        ServiceTracker<CrdtType, CrdtType> types = new ServiceTracker<>(ctx, CrdtType.class, null);
        types.open();
        EncryptionProvider bc = providers.waitForService(30_000);
        assertNotNull(bc);
        java.util.function.Function<String, Optional<CrdtType>> lookup = name -> {
            ServiceReference<CrdtType>[] refs = types.getServiceReferences();
            for (ServiceReference<CrdtType> r : refs == null ? new ServiceReference[0] : refs) {
                if (name.equals(r.getProperty(CrdtType.TYPE_PROPERTY))) {
                    return Optional.ofNullable(types.getService(r));
                }
            }
            return Optional.empty();
        };
        long deadline = System.currentTimeMillis() + 30_000;
        while (lookup.apply("g-counter").isEmpty()) {
            assertTrue(System.currentTimeMillis() < deadline, "the CRDT types are registered");
            types.waitForService(1000);
        }
        MeshKey key = MemoryKeys.randomMeshKey(1);
        Device a = new Device(bc, lookup, new MemoryKeys(bc, key));
        // One B identity; a fresh replica of it for each backend, so each catch-up starts from nothing.
        MemoryKeys bKeys = new MemoryKeys(bc, key);
        a.trusted.add(a.id());
        a.trusted.add(bKeys.deviceId());
        FolderStore folder = new FolderStore(dir.resolve("mesh"));
        long latency = Long.getLong("rhizome.bench.driveLatencyMillis", 50);
        try (FakeDrive drive = new FakeDrive()) {
            drive.latencyMillis = latency;
            drive.pageLimit = 1000;
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            java.util.function.Supplier<DriveStore> driveStore = () -> DriveStore.forTests(http, drive.uri(),
                    new RefreshTokenSource(http, drive.tokenEndpoint(), FakeDrive.CLIENT_ID, FakeDrive.CLIENT_SECRET, FakeDrive.TEST_REFRESH_TOKEN, System::currentTimeMillis),
                    "appDataFolder", 5L << 20, 8 << 20);
            a.start();
            long t0 = System.nanoTime();
            for (int i = 0; i < events; i++) {
                // One change set per transaction: an event is one change set.
                a.engine().write(List.of(new SyncEngine.LocalWrite("visits", "k" + (i % 1000),
                        JsonNodeFactory.instance.objectNode().put("op", "increment").put("by", 1))));
            }
            LOG.info("cloud bench: A wrote {} events in {} ms", events, (System.nanoTime() - t0) / 1_000_000);
            CloudStore[] stores = { folder, driveStore.get() };
            String[] names = { "folder", "fake Drive (" + latency + " ms per request)" };
            for (int s = 0; s < stores.length; s++) {
                long w0 = System.nanoTime();
                int servedBeforeWrite = drive.served.get();
                CloudExchange ax = a.exchange(stores[s], CloudExchange.Settings.DEFAULTS);
                int filesWritten = 0;
                for (int round = 0; round < 100; round++) {
                    int n = ax.round().filesWritten();
                    filesWritten += n;
                    if (n == 0) {
                        break;
                    }
                }
                long exported = System.nanoTime() - w0;
                long bytes = s == 0 ? folderBytes(folder.root()) : drive.files().stream().mapToLong(f -> f.content().length).sum();
                int served0 = drive.served.get();
                int writeRequests = served0 - servedBeforeWrite;

                Device b = new Device(bc, lookup, bKeys);
                b.trusted.add(a.id());
                b.trusted.add(b.id());
                b.start();
                long t1 = System.nanoTime();
                CloudExchange bx = b.exchange(s == 0 ? folder : driveStore.get(), CloudExchange.Settings.DEFAULTS);
                for (int round = 0; round < 100 && b.engine().versions().getOrDefault("visits|" + a.id(), 0L) < events; round++) {
                    bx.round();
                }
                long caughtUp = System.nanoTime() - t1;
                assertEquals((long) events, b.engine().versions().getOrDefault("visits|" + a.id(), 0L), "B holds every change set");
                long total = 0;
                for (int k = 0; k < 1000 && k < events; k++) {
                    total += b.engine().get("visits", "k" + k).orElseThrow().asLong();
                }
                assertEquals(events, total, "every increment counted once");
                b.close();
                int readRequests = drive.served.get() - served0;

                // Compaction: A's next round replaces the files B applied by one snapshot; then a
                // new replica of B (its data lost) catches up from the compacted folder.
                long filesBefore = s == 0 ? folderFiles(folder.root()) : drive.files().size();
                long c0 = System.nanoTime();
                CloudExchange.RoundResult compacted = ax.round();
                long compactMillis = (System.nanoTime() - c0) / 1_000_000;
                long bytesAfter = s == 0 ? folderBytes(folder.root()) : drive.files().stream().mapToLong(f -> f.content().length).sum();
                long filesAfter = s == 0 ? folderFiles(folder.root()) : drive.files().size();
                Device fresh = new Device(bc, lookup, bKeys);
                fresh.trusted.add(a.id());
                fresh.trusted.add(fresh.id());
                fresh.start();
                long t2 = System.nanoTime();
                CloudExchange fx = fresh.exchange(s == 0 ? folder : driveStore.get(), CloudExchange.Settings.DEFAULTS);
                for (int round = 0; round < 100 && fresh.engine().versions().getOrDefault("visits|" + a.id(), 0L) < events; round++) {
                    fx.round();
                }
                long freshMillis = (System.nanoTime() - t2) / 1_000_000;
                assertEquals((long) events, fresh.engine().versions().getOrDefault("visits|" + a.id(), 0L), "the fresh replica holds every change set");
                long freshTotal = 0;
                for (int k = 0; k < 1000 && k < events; k++) {
                    freshTotal += fresh.engine().get("visits", "k" + k).orElseThrow().asLong();
                }
                assertEquals(events, freshTotal, "every increment counted once from the snapshot");
                fresh.close();
                LOG.info("cloud bench ({}) compaction: {} ms, {} files deleted; files in the cloud {} -> {}, bytes {} -> {} ({} -> {} bytes/event);"
                        + " a replica from scratch caught up from the compacted cloud in {} ms (from the uncompacted one: {} ms)",
                        names[s], compactMillis, compacted.filesDeleted(), filesBefore, filesAfter, bytes, bytesAfter,
                        String.format("%.1f", bytes / (double) events), String.format("%.1f", bytesAfter / (double) events), freshMillis,
                        caughtUp / 1_000_000);
                LOG.info("cloud bench ({}): {} events; A wrote them out in {} ms ({} batch files, {} bytes stored, {} bytes/event, {} requests"
                        + " to Drive); B caught up in {} ms ({} requests to Drive: {} changes.list, {} files.list); API calls/event {}",
                        names[s], events, exported / 1_000_000, filesWritten, bytes, String.format("%.1f", bytes / (double) events),
                        s == 0 ? 0 : writeRequests, caughtUp / 1_000_000, s == 0 ? 0 : readRequests, drive.changeLists.get(), drive.fileLists.get(),
                        s == 0 ? "0" : String.format("%.5f", (writeRequests + readRequests) / (double) events));
            }
            a.stop();
        } finally {
            a.close();
            providers.close();
            types.close();
        }
    }
}
