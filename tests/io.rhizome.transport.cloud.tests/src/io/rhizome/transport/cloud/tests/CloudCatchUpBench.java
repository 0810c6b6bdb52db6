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
import io.rhizome.transport.cloud.folder.FolderStore;

/**
 * Catch-up through a folder: A writes {@code rhizome.bench.events} change sets (default 100,000)
 * while B is down, A writes them out, B comes up and reads them all. Not part of the normal run
 * (its name does not end in Test); run it with
 * {@code ./mvnw -B -o verify -pl tests/io.rhizome.transport.cloud.tests -am -Dtest=CloudCatchUpBench ...}.
 * It asserts that B holds everything and logs the times and bytes per event.
 */
class CloudCatchUpBench {

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
        Device b = new Device(bc, lookup, new MemoryKeys(bc, key));
        for (Device d : List.of(a, b)) {
            d.trusted.add(a.id());
            d.trusted.add(b.id());
        }
        FolderStore folder = new FolderStore(dir.resolve("mesh"));
        try {
            a.start();
            long t0 = System.nanoTime();
            for (int i = 0; i < events; i++) {
                // One change set per transaction: an event is one change set.
                a.engine().write(List.of(new SyncEngine.LocalWrite("visits", "k" + (i % 1000),
                        JsonNodeFactory.instance.objectNode().put("op", "increment").put("by", 1))));
            }
            long written = System.nanoTime();
            CloudExchange ax = a.exchange(folder, CloudExchange.Settings.DEFAULTS);
            for (int round = 0; round < 100; round++) {
                if (ax.round().filesWritten() == 0) {
                    break;
                }
            }
            long exported = System.nanoTime();
            a.stop();
            long bytes;
            long files;
            try (Stream<Path> s = Files.walk(folder.root())) {
                List<Path> all = s.filter(Files::isRegularFile).toList();
                files = all.size();
                bytes = 0;
                for (Path p : all) {
                    bytes += Files.size(p);
                }
            }

            b.start();
            long t1 = System.nanoTime();
            CloudExchange bx = b.exchange(folder, CloudExchange.Settings.DEFAULTS);
            for (int round = 0; round < 100 && b.engine().versions().getOrDefault("visits|" + a.id(), 0L) < events; round++) {
                bx.round();
            }
            long caughtUp = System.nanoTime();
            assertEquals((long) events, b.engine().versions().getOrDefault("visits|" + a.id(), 0L), "B holds every change set");
            long total = 0;
            for (int k = 0; k < 1000 && k < events; k++) {
                total += b.engine().get("visits", "k" + k).orElseThrow().asLong();
            }
            assertEquals(events, total, "every increment counted once");
            LOG.info("cloud bench (folder): {} events; A wrote them in {} ms, wrote them to the folder in {} ms ({} files, {} bytes, {} bytes/event);"
                    + " B caught up in {} ms", events, (written - t0) / 1_000_000, (exported - written) / 1_000_000, files, bytes,
                    String.format("%.1f", bytes / (double) events), (caughtUp - t1) / 1_000_000);
        } finally {
            a.close();
            b.close();
            providers.close();
            types.close();
        }
    }
}
