package io.rhizome.core.tests.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.util.tracker.ServiceTracker;

import com.fasterxml.jackson.databind.node.TextNode;

import io.rhizome.core.internal.engine.CryptoSealer;
import io.rhizome.spi.crypto.EncryptionProvider;
import io.rhizome.spi.crypto.KeyService.MeshKey;
import io.rhizome.spi.store.LogEntry;
import io.rhizome.testsupport.Await;

/** Engines that seal every change set with the real Bouncy Castle provider. */
class EncryptedSyncTest {

    private Mesh mesh;
    private ServiceTracker<EncryptionProvider, EncryptionProvider> providers;

    @BeforeEach
    void setUp() throws Exception {
        mesh = new Mesh();
        BundleContext ctx = FrameworkUtil.getBundle(EncryptedSyncTest.class).getBundleContext();
        providers = new ServiceTracker<>(ctx, ctx.createFilter("(&(objectClass=" + EncryptionProvider.class.getName() + ")(crypto.provider=bc))"), null);
        providers.open();
    }

    @AfterEach
    void tearDown() {
        mesh.close();
        providers.close();
    }

    @Test
    void membersOfOneMeshSyncAndNothingIsStoredOrSentInTheClear() throws Exception {
        EncryptionProvider bc = providers.waitForService(30_000);
        assertNotNull(bc, "the Bouncy Castle provider is registered");
        MeshKey shared = TestKeys.randomMeshKey(1);
        TestKeys aKeys = new TestKeys(bc, shared);
        TestKeys bKeys = new TestKeys(bc, shared);
        TestKeys outsider = new TestKeys(bc, TestKeys.randomMeshKey(1));
        String a = aKeys.deviceId();
        String b = bKeys.deviceId();
        String eve = outsider.deviceId();
        mesh.start(a, new CryptoSealer(() -> Optional.of(bc), aKeys));
        mesh.start(b, new CryptoSealer(() -> Optional.of(bc), bKeys));
        mesh.start(eve, new CryptoSealer(() -> Optional.of(bc), outsider));

        String secret = "the-secret-value-" + System.nanoTime();
        mesh.node(a).service().put("reg", "k", TextNode.valueOf(secret));
        mesh.node(b).service().insertText("tx", "doc", 0, "hello");
        mesh.connect(a, b);
        mesh.awaitConverged(List.of(a, b), Map.of("reg", List.of("k"), "tx", List.of("doc")));
        assertEquals(secret, mesh.value(b, "reg", "k").orElseThrow().asText());

        for (String node : List.of(a, b)) {
            for (LogEntry e : mesh.stores.get(node).read(0, 1000, Long.MAX_VALUE)) {
                String payload = new String(e.payload(), StandardCharsets.ISO_8859_1);
                assertFalse(payload.contains(secret), "the log of " + node + " holds the value in the clear");
                assertFalse(payload.contains("hello"), "the log of " + node + " holds the text in the clear");
            }
        }

        mesh.connect(eve, a);
        Await.until(Mesh.WAIT, "A refuses what it cannot open", () -> mesh.node(a).engine().rejectedRemoteCount() > 0
                || mesh.node(eve).engine().rejectedRemoteCount() > 0);
        assertTrue(mesh.value(eve, "reg", "k").isEmpty(), "a device without the mesh key learns nothing");
        mesh.node(eve).service().put("reg", "k", TextNode.valueOf("forged"));
        mesh.node(eve).service().forceSync();
        Await.until(Mesh.WAIT, "A rejects the outsider's change set", () -> mesh.node(a).engine().rejectedRemoteCount() > 0);
        assertEquals(secret, mesh.value(a, "reg", "k").orElseThrow().asText(), "nothing from the outsider was applied");
    }
}
