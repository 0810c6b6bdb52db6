package io.rhizome.transport.cloud.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.util.tracker.ServiceTracker;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import io.rhizome.core.internal.engine.SyncEngine;
import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.crypto.EncryptionProvider;
import io.rhizome.spi.crypto.KeyService.MeshKey;
import io.rhizome.transport.cloud.CloudExchange;
import io.rhizome.transport.cloud.folder.FolderStore;

/**
 * A stream the reader refused (its policy does not let it in yet) is written for it again through
 * the folder once it would take it — without a restart of either side — while its other streams
 * went through at once; and the engine learns what the folder holds for the reader.
 */
class CloudResendTest {

    /** Refused streams written again on the next round, so the test needs no clock. */
    private static final CloudExchange.Settings RESEND_NOW = new CloudExchange.Settings(1L << 20, 1L << 30, 0, 0);

    @TempDir
    Path dir;
    private ServiceTracker<EncryptionProvider, EncryptionProvider> providers;
    private ServiceTracker<CrdtType, CrdtType> types;
    private Device a;
    private Device b;

    @BeforeEach
    void setUp() throws Exception {
        BundleContext ctx = FrameworkUtil.getBundle(CloudResendTest.class).getBundleContext();
        providers = new ServiceTracker<>(ctx, ctx.createFilter("(&(objectClass=" + EncryptionProvider.class.getName() + ")(crypto.provider=bc))"), null);
        providers.open();
        types = new ServiceTracker<>(ctx, CrdtType.class, null);
        types.open();
        EncryptionProvider bc = providers.waitForService(30_000);
        assertNotNull(bc, "the Bouncy Castle provider is registered");
        long deadline = System.currentTimeMillis() + 30_000;
        while (type("g-counter").isEmpty() || type("lww-register").isEmpty()) {
            assertTrue(System.currentTimeMillis() < deadline, "the built-in CRDT types are registered within 30 s");
            types.waitForService(1000);
        }
        MeshKey key = MemoryKeys.randomMeshKey(1);
        a = new Device(bc, this::type, new MemoryKeys(bc, key));
        b = new Device(bc, this::type, new MemoryKeys(bc, key));
        for (Device d : List.of(a, b)) {
            d.trusted.add(a.id());
            d.trusted.add(b.id());
        }
    }

    @AfterEach
    void tearDown() {
        a.close();
        b.close();
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

    @Test
    void aStreamTheReaderRefusedIsWrittenForItAgainOnceItTakesIt() throws Exception {
        FolderStore folder = new FolderStore(dir.resolve("mesh"));
        b.refusedNamespaces.add("notes");
        a.start();
        b.start();
        CloudExchange ax = a.exchange(folder, RESEND_NOW);
        CloudExchange bx = b.exchange(folder, RESEND_NOW);
        a.put("notes", "k", "held back at first");
        a.engine().write(List.of(new SyncEngine.LocalWrite("visits", "v", JsonNodeFactory.instance.objectNode().put("op", "increment").put("by", 1))));

        assertEquals(1, ax.round().filesWritten());
        bx.round();
        assertEquals(Optional.empty(), b.get("notes", "k"), "B refuses notes");
        assertEquals(1L, b.engine().get("visits", "v").orElseThrow().asLong(), "and takes visits from the same batch");
        assertTrue(bx.status().peers().get(a.id()).heldBack().stream().anyMatch(h -> h.startsWith("notes|")),
                "status names the held-back stream: " + bx.status().peers().get(a.id()).heldBack());
        String stream = "notes|" + a.id();
        assertEquals(1L, a.engine().forwardedTo(b.id()).get(stream), "the engine knows the folder holds notes #1 for B");

        // Still refused: written again, refused again, nothing applied, nothing lost.
        assertEquals(1, ax.round().filesWritten(), "A writes the refused stream for B again");
        bx.round();
        assertEquals(Optional.empty(), b.get("notes", "k"));

        // The cause is fixed on B (the right granted, say): the next batch A writes is taken.
        b.refusedNamespaces.clear();
        assertEquals(1, ax.round().filesWritten());
        bx.round();
        assertEquals(Optional.of("held back at first"), b.get("notes", "k"));
        assertEquals(1L, b.engine().get("visits", "v").orElseThrow().asLong(), "visits was not applied twice");
        assertEquals(0, ax.round().filesWritten(), "once B holds it, nothing is written again");
        bx.round();
        assertEquals(0, ax.round().filesWritten());
    }
}
