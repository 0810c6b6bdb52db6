package io.rhizome.core.tests.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.TextNode;

import io.rhizome.api.NamespaceInfo;
import io.rhizome.api.SyncException;
import io.rhizome.api.SyncService;
import io.rhizome.core.internal.engine.Streams;
import io.rhizome.spi.namespace.NamespaceDefinition;
import io.rhizome.spi.namespace.SyncScope;
import io.rhizome.testsupport.Await;

/**
 * Namespace declarations as mesh data (issue #10): a device that joins late learns the mesh's
 * declarations and receives data of a non-default type; a namespace with data cannot change its
 * type; concurrent conflicting declarations resolve to the same winner everywhere and the loser's
 * own data makes the namespace unavailable on its device; a malformed predicate makes the
 * namespace unavailable and nothing of it is written or sent.
 */
class NamespaceDeclarationSyncTest {

    private Mesh mesh;

    @BeforeEach
    void setUp() throws Exception {
        mesh = new Mesh();
    }

    @AfterEach
    void tearDown() {
        mesh.close();
    }

    private static Optional<NamespaceInfo> info(SyncService s, String name) {
        return s.namespaces().stream().filter(i -> i.name().equals(name)).findFirst();
    }

    private static boolean isType(SyncService s, String name, String type) {
        return info(s, name).map(i -> i.crdtType().equals(type)).orElse(false);
    }

    @Test
    void aFreshEngineLearnsTheDeclarationsAndReceivesDataOfANonDefaultType() throws Exception {
        SyncService a = mesh.start("A").service();
        a.declare(NamespaceDefinition.of("onlya", "pn-counter"));
        for (int i = 0; i < 20; i++) {
            a.increment("onlya", "k" + i, i + 1);
        }
        a.put("notes", "n1", TextNode.valueOf("hello")); // auto-created: the default declaration travels with it
        assertTrue(isType(a, "notes", "lww-register"));

        SyncService c = mesh.start("C").service();
        assertTrue(info(c, "onlya").isEmpty(), "sanity: C has never heard of 'onlya'");
        mesh.connect("C", "A");
        Await.until(Mesh.WAIT, "C receives every counter of 'onlya' and the auto-created namespace",
                () -> c.get("onlya", "k19").map(v -> v.asLong() == 20).orElse(false) && c.get("notes", "n1").isPresent());
        for (int i = 0; i < 20; i++) {
            assertEquals(i + 1, c.get("onlya", "k" + i).orElseThrow().asLong());
        }
        NamespaceInfo onlya = info(c, "onlya").orElseThrow();
        assertEquals("pn-counter", onlya.crdtType());
        assertTrue(onlya.available());
        assertTrue(onlya.warning().isEmpty(), onlya.warning().toString());
        assertTrue(info(c, SyncService.DECLARATIONS_NAMESPACE).isEmpty(), "the reserved namespace is not listed");

        c.increment("onlya", "k0", 10);
        Await.until(Mesh.WAIT, "C's write reaches A", () -> a.get("onlya", "k0").map(v -> v.asLong() == 11).orElse(false));

        mesh.stop("C");
        SyncService again = mesh.start("C").service();
        assertTrue(isType(again, "onlya", "pn-counter"), "the declarations are recovered on restart");
        assertEquals(11, again.get("onlya", "k0").orElseThrow().asLong());
    }

    @Test
    void theReservedNamespaceCannotBeWrittenDirectly() throws Exception {
        SyncService a = mesh.start("A").service();
        SyncException e = assertThrows(SyncException.class,
                () -> a.put(SyncService.DECLARATIONS_NAMESPACE, "notes", TextNode.valueOf("pn-counter")));
        assertEquals(SyncException.Reason.INVALID_VALUE, e.reason());
        assertTrue(e.getMessage().contains("reserved"), e.getMessage());
        assertEquals(0, mesh.stores.get("A").head(), "nothing was written");
        SyncException d = assertThrows(SyncException.class, () -> a.declare(NamespaceDefinition.of(SyncService.DECLARATIONS_NAMESPACE, "or-set")));
        assertEquals(SyncException.Reason.INVALID_VALUE, d.reason());
    }

    @Test
    void theTypeOfANamespaceWithDataCannotChangeAndItsWritesKeepReachingThePeer() throws Exception {
        SyncService a = mesh.start("A").service();
        SyncService b = mesh.start("B").service();
        mesh.connect("A", "B");
        a.put("notes", "a", TextNode.valueOf("one"));

        SyncException e = assertThrows(SyncException.class, () -> a.declare(NamespaceDefinition.of("notes", "pn-counter")));
        assertEquals(SyncException.Reason.CONFLICT, e.reason());
        assertTrue(e.getMessage().contains("namespace 'notes' holds lww-register data (1 entity)"), e.getMessage());
        assertTrue(e.getMessage().contains("declare a new name"), e.getMessage());
        assertTrue(isType(a, "notes", "lww-register"), "the declaration did not change");

        SyncException del = assertThrows(SyncException.class, () -> a.undeclare("notes"));
        assertEquals(SyncException.Reason.CONFLICT, del.reason());
        assertTrue(del.getMessage().contains("holds data"), del.getMessage());

        a.put("notes", "b", TextNode.valueOf("two"));
        Await.until(Mesh.WAIT, "both writes reach B", () -> b.get("notes", "b").isPresent() && b.get("notes", "a").isPresent());
        assertTrue(isType(b, "notes", "lww-register"));
        b.put("notes", "c", TextNode.valueOf("three"));
        Await.until(Mesh.WAIT, "B's write reaches A", () -> a.get("notes", "c").isPresent());

        // A scope change of a namespace with data is allowed: it decides what is sent from now on.
        a.declare(new NamespaceDefinition("notes", "lww-register", SyncScope.LOCAL_ONLY, Optional.empty()));
        Await.until(Mesh.WAIT, "B learns the new scope", () -> info(b, "notes").map(i -> i.scope().equals(SyncScope.LOCAL_ONLY)).orElse(false));

        // A namespace without data can be withdrawn, and a later write declares it again.
        a.declare(NamespaceDefinition.of("spare", "g-set"));
        assertTrue(a.undeclare("spare"));
        assertTrue(info(a, "spare").isEmpty());
        a.put("spare", "k", TextNode.valueOf("v"));
        Await.until(Mesh.WAIT, "the re-created namespace reaches B", () -> b.get("spare", "k").isPresent());
    }

    @Test
    void concurrentConflictingDeclarationsConvergeToOneWinnerAndTheLoserIsTold() throws Exception {
        SyncService a = mesh.start("A").service();
        SyncService b = mesh.start("B").service();
        SyncService c = mesh.start("C").service();
        a.declare(NamespaceDefinition.of("x", "pn-counter"));
        a.increment("x", "k", 1);
        // B declares after A (a later or equal time; on a tie the greater device id): B's declaration wins.
        b.declare(NamespaceDefinition.of("x", "or-set"));
        b.add("x", "k", TextNode.valueOf("e"));
        mesh.connect("A", "B");
        mesh.connect("C", "B");

        Await.until(Mesh.WAIT, "every engine uses B's declaration", () -> isType(a, "x", "or-set") && isType(b, "x", "or-set")
                && isType(c, "x", "or-set"));
        Await.until(Mesh.WAIT, "A finds 'x' unavailable", () -> info(a, "x").map(i -> !i.available()).orElse(false));
        String reason = info(a, "x").orElseThrow().unavailableReason().orElseThrow();
        assertTrue(reason.contains("pn-counter") && reason.contains("or-set") && reason.contains("B"), reason);
        SyncException refused = assertThrows(SyncException.class, () -> a.increment("x", "k", 1));
        assertEquals(SyncException.Reason.NAMESPACE_UNAVAILABLE, refused.reason());
        assertEquals(1, a.get("x", "k").orElseThrow().asLong(), "A's own data is kept as it was");
        SyncException redeclare = assertThrows(SyncException.class, () -> a.declare(NamespaceDefinition.of("x", "or-set")));
        assertEquals(SyncException.Reason.CONFLICT, redeclare.reason(), "A cannot hide the conflict by declaring again");

        NamespaceInfo onB = info(b, "x").orElseThrow();
        assertTrue(onB.available());
        assertTrue(onB.warning().orElse("").contains("pn-counter"), onB.warning().toString());
        Await.until(Mesh.WAIT, "C receives B's data", () -> c.get("x", "k").map(v -> v.toString().contains("e")).orElse(false));
        assertTrue(info(c, "x").orElseThrow().available());
        assertFalse(mesh.node("B").engine().versions().containsKey(Streams.id("x", "A")), "A's pn-counter stream was not taken as an or-set");
    }

    @Test
    void aMalformedPredicateMakesTheNameUnavailableAndNothingOfItIsSent() throws Exception {
        SyncService a = mesh.start("A").service();
        SyncService b = mesh.start("B").service();
        mesh.connect("A", "B");
        NamespaceDefinition broken = new NamespaceDefinition("tasks", "lww-map", SyncScope.selective("field status ==== open"), Optional.empty());
        SyncException e = assertThrows(SyncException.class, () -> a.declare(broken));
        assertEquals(SyncException.Reason.INVALID_VALUE, e.reason());
        assertTrue(e.getMessage().contains("malformed"), e.getMessage());
        assertFalse(info(a, "tasks").orElseThrow().available());

        SyncException put = assertThrows(SyncException.class, () -> a.setField("tasks", "t1", "status", TextNode.valueOf("open")));
        assertEquals(SyncException.Reason.NAMESPACE_UNAVAILABLE, put.reason());
        SyncException plain = assertThrows(SyncException.class, () -> a.put("tasks", "t2", TextNode.valueOf("x")));
        assertEquals(SyncException.Reason.NAMESPACE_UNAVAILABLE, plain.reason(), "a later put does not re-create it as full scope");
        assertTrue(a.keys("tasks").isEmpty());

        a.put("marker", "m", TextNode.valueOf("sync works"));
        Await.until(Mesh.WAIT, "the marker reaches B", () -> b.get("marker", "m").isPresent());
        Await.until(Mesh.WAIT, "B knows 'tasks' is unavailable", () -> info(b, "tasks").map(i -> !i.available()).orElse(false));
        assertFalse(mesh.node("A").engine().versions().containsKey(Streams.id("tasks", "A")), "nothing of 'tasks' was logged");
        assertFalse(mesh.node("B").engine().versions().containsKey(Streams.id("tasks", "A")), "nothing of 'tasks' was sent");

        a.declare(new NamespaceDefinition("tasks", "lww-map", SyncScope.selective("field status = open"), Optional.empty()));
        assertTrue(info(a, "tasks").orElseThrow().available(), "a corrected declaration fixes it");
        a.setField("tasks", "t1", "status", TextNode.valueOf("open"));
        Await.until(Mesh.WAIT, "the matching entity reaches B", () -> b.get("tasks", "t1").isPresent());
    }
}
