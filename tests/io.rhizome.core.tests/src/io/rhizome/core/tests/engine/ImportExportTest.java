package io.rhizome.core.tests.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rhizome.api.NamespaceInfo;
import io.rhizome.api.SyncException;
import io.rhizome.api.SyncService;
import io.rhizome.core.internal.engine.NamespaceCatalog;
import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.namespace.NamespaceDefinition;
import io.rhizome.testsupport.Await;
import io.rhizome.testsupport.PluginBundleBuilder;
import io.rhizome.testsupport.crdt.FrozenRegisterType;
import io.rhizome.testsupport.crdt.MaxRegisterReplica;
import io.rhizome.testsupport.crdt.MaxRegisterType;

/**
 * Export and import through {@link SyncService#exportValue} and {@link SyncService#importIntents}
 * (what the REST import runs per line) between two engines that never synced: every built-in type,
 * an or-map with nested types, and a third-party type contributed at run time by its own bundle.
 * A type that implements neither import nor delete (the SPI's defaults) refuses both with its name,
 * and nothing is written.
 */
class ImportExportTest {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private Bundle plugin;

    @BeforeEach
    void installThirdPartyTypes() throws Exception {
        BundleContext context = FrameworkUtil.getBundle(ImportExportTest.class).getBundleContext();
        byte[] jar = new PluginBundleBuilder("acme.crdt.registers")
                .header("Import-Package", "io.rhizome.spi.crdt;version=\"[0.1,0.2)\",io.rhizome.api.clock;version=\"[0.1,0.2)\","
                        + "com.fasterxml.jackson.databind;version=\"[2.15,3)\",com.fasterxml.jackson.databind.node;version=\"[2.15,3)\"")
                .addComponent(MaxRegisterType.class, CrdtType.class, Map.of(CrdtType.TYPE_PROPERTY, MaxRegisterType.NAME))
                .addComponent(FrozenRegisterType.class, CrdtType.class, Map.of(CrdtType.TYPE_PROPERTY, FrozenRegisterType.NAME))
                .addClass(MaxRegisterReplica.class)
                .build();
        plugin = context.installBundle("test:acme.crdt.registers", new ByteArrayInputStream(jar));
        plugin.start();
    }

    @AfterEach
    void uninstall() throws Exception {
        if (plugin != null && plugin.getState() != Bundle.UNINSTALLED) {
            plugin.uninstall();
        }
    }

    private static ObjectNode op(String name) {
        return JSON.objectNode().put("op", name);
    }

    private static Mesh mesh() throws Exception {
        Mesh mesh = new Mesh();
        Await.until(Mesh.WAIT, "the third-party types are registered",
                () -> mesh.type(MaxRegisterType.NAME).isPresent() && mesh.type(FrozenRegisterType.NAME).isPresent());
        mesh.extraNamespaces = id -> List.of(NamespaceDefinition.of("max", MaxRegisterType.NAME),
                NamespaceDefinition.of("frozen", FrozenRegisterType.NAME));
        return mesh;
    }

    /** Writes to every built-in namespace of {@link Mesh#NAMESPACES} and the third-party one. */
    private static void writeEveryType(SyncService a) {
        a.transaction(tx -> {
            tx.mutate("gc", "k", op("increment").put("by", 4));
            tx.mutate("pc", "k", op("increment").put("by", 5)).mutate("pc", "k", op("decrement").put("by", 7));
            tx.mutate("gs", "k", op("add").put("value", "x")).mutate("gs", "k", op("add").set("value", JSON.objectNode().put("a", 1)));
            tx.mutate("os", "k", op("add").put("value", 1)).mutate("os", "k", op("add").put("value", 2))
                    .mutate("os", "k", op("remove").put("value", 1));
            tx.mutate("reg", "k", op("set").set("value", JSON.objectNode().set("v", JSON.arrayNode().add(1).add(2))));
            tx.mutate("mv", "k", op("set").put("value", "m"));
            tx.mutate("lm", "k", op("set").put("key", "plain").put("value", "v"))
                    .mutate("lm", "k", op("update").put("key", "n").put("type", "pn-counter").set("intent", op("increment").put("by", 3)));
            tx.mutate("ls", "k", op("insert").put("index", 0).set("values", JSON.arrayNode().add(1).add("two").addNull()));
            tx.mutate("tx", "k", op("insert").put("index", 0).put("text", "héllo 🚀"));
            tx.mutate("max", "k", op("set").put("value", 7)).mutate("max", "k", op("set").put("value", 3));
            return null;
        });
        a.transaction(tx -> {
            tx.mutate("om", "k", update("count", "pn-counter", op("increment").put("by", 3)));
            tx.mutate("om", "k", update("tags", "or-set", op("add").put("value", "x")));
            tx.mutate("om", "k", update("empty", "or-set", op("remove").put("value", "never added")));
            tx.mutate("om", "k", update("nothing", "lww-register", op("set").putNull("value")));
            tx.mutate("om", "k", update("gone", "lww-register", op("set").put("value", 1)));
            tx.mutate("om", "k", update("inner", "or-map", update("deep", "g-counter", op("increment").put("by", 2))));
            return null;
        });
        a.mutate("om", "k", op("remove").put("key", "gone"));
    }

    private static ObjectNode update(String key, String type, JsonNode intent) {
        return op("update").put("key", key).put("type", type).set("intent", intent);
    }

    /** What an export holds: every entity's exported value, by namespace and key. */
    private static Map<List<String>, JsonNode> export(SyncService s, Iterable<String> namespaces) {
        Map<List<String>, JsonNode> out = new LinkedHashMap<>();
        for (String ns : namespaces) {
            for (String key : s.keys(ns)) {
                out.put(List.of(ns, key), s.exportValue(ns, key).orElseThrow());
            }
        }
        return out;
    }

    private static void importAll(SyncService s, Map<List<String>, JsonNode> exported) {
        exported.forEach((entity, value) -> {
            List<JsonNode> intents = s.importIntents(entity.get(0), entity.get(1), value, Optional.empty());
            s.transaction(tx -> {
                intents.forEach(i -> tx.mutate(entity.get(0), entity.get(1), i));
                return null;
            });
        });
    }

    @Test
    void everyTypeAndAThirdPartyTypeRoundTripIntoAFreshNode() throws Exception {
        try (Mesh mesh = mesh()) {
            SyncService a = mesh.start("a").service();
            writeEveryType(a);
            List<String> namespaces = new java.util.ArrayList<>(Mesh.NAMESPACES.keySet());
            namespaces.add("max");
            Map<List<String>, JsonNode> exported = export(a, namespaces);
            assertEquals(namespaces.size(), exported.size(), "one entity per namespace: " + exported);
            assertEquals(JSON.objectNode().put("type", "pn-counter").put("value", 3), exported.get(List.of("om", "k")).get("count"),
                    "an or-map export carries the nested type: " + exported.get(List.of("om", "k")));

            SyncService b = mesh.start("b").service();
            importAll(b, exported);
            for (String ns : namespaces) {
                assertEquals(a.keys(ns), b.keys(ns), ns);
                assertEquals(a.get(ns, "k"), b.get(ns, "k"), "the same value in " + ns);
                assertEquals(a.exportValue(ns, "k"), b.exportValue(ns, "k"), "the same export in " + ns);
                assertEquals(List.of(), b.importIntents(ns, "k", exported.get(List.of(ns, "k")), Optional.empty()),
                        "importing again asks for nothing in " + ns);
            }
            assertEquals(7, b.get("max", "k").orElseThrow().asInt());
            assertTrue(b.get("om", "k").orElseThrow().has("empty") && b.get("om", "k").orElseThrow().has("nothing"),
                    "keys holding an empty nested value exist: " + b.get("om", "k"));
            assertTrue(!b.get("om", "k").orElseThrow().has("gone"), "a removed key stays removed");

            // the nested types came back as what they were: a counter counts, a nested or-map merges
            b.mutate("om", "k", update("count", "pn-counter", op("increment").put("by", 1)));
            b.mutate("om", "k", update("inner", "or-map", update("deep", "g-counter", op("increment").put("by", 1))));
            assertEquals(4, b.get("om", "k").orElseThrow().path("count").asInt(), "still a pn-counter: " + b.get("om", "k"));
            assertEquals(3, b.get("om", "k").orElseThrow().path("inner").path("deep").asInt(), "still a g-counter: " + b.get("om", "k"));
        }
    }

    @Test
    void aTypeThatDoesNotImportOrDeleteRefusesWithItsNameAndNothingIsWritten() throws Exception {
        try (Mesh mesh = mesh()) {
            SyncService a = mesh.start("a").service();
            a.mutate("frozen", "k", op("set").put("value", 5));
            a.mutate("max", "k", op("set").put("value", 5));
            a.mutate("os", "k", op("add").put("value", 1));
            Map<String, Long> versions = mesh.node("a").engine().versions();

            for (String[] refused : new String[][] {{"frozen", FrozenRegisterType.NAME}, {"max", MaxRegisterType.NAME}, {"os", "or-set"}}) {
                SyncException e = assertThrows(SyncException.class, () -> a.delete(refused[0], "k"));
                assertEquals(SyncException.Reason.WRONG_OPERATION, e.reason(), e.getMessage());
                assertTrue(e.getMessage().contains("type '" + refused[1] + "' does not support delete"), e.getMessage());
                SyncException inTx = assertThrows(SyncException.class, () -> a.transaction(tx -> tx.delete(refused[0], "k")));
                assertEquals(SyncException.Reason.WRONG_OPERATION, inTx.reason(), inTx.getMessage());
            }
            assertTrue(mesh.value("a", "os", "k").orElseThrow().toString().contains("1"));
            assertEquals(5, mesh.value("a", "frozen", "k").orElseThrow().asInt());
            assertEquals(versions, mesh.node("a").engine().versions(), "a refused delete writes nothing");

            a.delete("reg", "k"); // a register's delete is its null
            assertEquals(Optional.empty(), a.get("reg", "k"));

            SyncService b = mesh.start("b").service();
            JsonNode exported = a.exportValue("frozen", "k").orElseThrow();
            SyncException e = assertThrows(SyncException.class, () -> b.importIntents("frozen", "k", exported, Optional.empty()));
            assertEquals(SyncException.Reason.WRONG_OPERATION, e.reason(), e.getMessage());
            assertTrue(e.getMessage().contains("type '" + FrozenRegisterType.NAME + "' cannot import"), e.getMessage());
            assertEquals(Optional.empty(), b.get("frozen", "k"));
            assertEquals(Map.of(), mesh.node("b").engine().versions(), "a refused import writes nothing");

            SyncException reserved = assertThrows(SyncException.class, () -> b.importIntents(SyncService.DECLARATIONS_NAMESPACE, "notes",
                    JSON.arrayNode().add(JSON.objectNode().put("crdtType", "or-set")), Optional.empty()));
            assertTrue(reserved.getMessage().contains("reserved"), "the reserved namespace is not imported into: " + reserved.getMessage());

            SyncException lower = assertThrows(SyncException.class, () -> a.importIntents("max", "k", JSON.numberNode(2), Optional.empty()));
            assertTrue(lower.getMessage().contains("never decreases"), "the type says why it refuses a value: " + lower.getMessage());
        }
    }

    @Test
    void theDefaultTypesComeFromTheSpi() throws Exception {
        try (Mesh mesh = mesh()) {
            assertTrue(mesh.type(CrdtType.DEFAULT_TYPE).isPresent(), "the default type is installed: " + CrdtType.DEFAULT_TYPE);
            assertTrue(mesh.type(CrdtType.DECLARATIONS_TYPE).isPresent(), "the declarations type is installed");
            assertEquals(CrdtType.DECLARATIONS_TYPE, NamespaceCatalog.DECLARATIONS_DEFINITION.crdtType());
            SyncService a = mesh.start("a").service();
            a.put("undeclared", "k", JSON.textNode("v"));
            NamespaceInfo info = a.namespaces().stream().filter(n -> n.name().equals("undeclared")).findFirst().orElseThrow();
            assertEquals(CrdtType.DEFAULT_TYPE, info.crdtType(), "an undeclared namespace gets the SPI's default type");
        }
    }
}
