package io.rhizome.core.tests.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.rhizome.api.NamespaceInfo;
import io.rhizome.api.SyncService;
import io.rhizome.spi.namespace.NamespaceDefinition;
import io.rhizome.testsupport.Await;

/**
 * A mesh with thousands of declared namespaces: a declaration costs what it changes, not what the
 * mesh has declared. Every declaration used to read every declared name again (twice), so that
 * importing an export of 2,000 namespaces took 13.9 s and allocated 12 GB (found by the import fuzz
 * target, whose node had grown to a few hundred namespaces). A peer that joins learns every
 * declaration and every later withdrawal, each applied by name.
 */
class ManyNamespacesTest {

    private static final int NAMESPACES = 2_000;
    private static final String[] TYPES = { "g-counter", "pn-counter", "or-set", "lww-register", "text" };
    /**
     * What one more declaration may allocate on the declaring thread, whatever the number declared
     * before it: the write of one register value, the catalog's copy of its map of declarations
     * (tens of bytes a name). Reading every declaration again allocated 8.3 MB here at 2,000 names.
     */
    private static final long ALLOCATION_BOUND = 1L << 20;

    private Mesh mesh;

    @BeforeEach
    void setUp() throws Exception {
        mesh = new Mesh();
    }

    @AfterEach
    void tearDown() {
        mesh.close();
    }

    private static Map<String, String> types(SyncService s) {
        return s.namespaces().stream().filter(i -> i.name().startsWith("n"))
                .collect(Collectors.toMap(NamespaceInfo::name, NamespaceInfo::crdtType));
    }

    @Test
    void thousandsOfDeclarationsCostWhatEachChangesAndAJoiningPeerLearnsThemAll() throws Exception {
        SyncService a = mesh.start("A").service();
        for (int i = 0; i < NAMESPACES; i++) {
            a.declare(NamespaceDefinition.of("n" + i, TYPES[i % TYPES.length]));
        }
        a.declare(NamespaceDefinition.of("warm-up", "g-counter"));
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        a.declare(NamespaceDefinition.of("n-last", "or-set"));
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        System.out.println("declaring namespace " + (NAMESPACES + 2) + " allocated " + allocated + " bytes");
        assertTrue(allocated < ALLOCATION_BOUND, "declaring the " + (NAMESPACES + 2) + "th namespace allocated " + allocated
                + " bytes, over " + ALLOCATION_BOUND + ": it reads more than its own declaration");

        Map<String, String> onA = types(a);
        assertEquals(NAMESPACES + 1, onA.size());
        for (int i = 0; i < NAMESPACES; i++) {
            assertEquals(TYPES[i % TYPES.length], onA.get("n" + i), "n" + i + " on A");
        }
        a.increment("n0", "k", 5);

        SyncService c = mesh.start("C").service();
        mesh.connect("C", "A");
        Await.until(Mesh.WAIT, "C learns every declaration of A and receives n0's counter",
                () -> types(c).equals(onA) && c.get("n0", "k").map(v -> v.asLong() == 5).orElse(false));

        assertTrue(a.undeclare("n7"), "n7 holds no data: it can be withdrawn");
        assertTrue(a.namespaces().stream().noneMatch(i -> i.name().equals("n7")), "A no longer lists the withdrawn n7");
        Await.until(Mesh.WAIT, "C no longer lists the withdrawn n7, and still lists the others",
                () -> !types(c).containsKey("n7") && types(c).size() == NAMESPACES);
        a.declare(NamespaceDefinition.of("n7", "text"));
        Await.until(Mesh.WAIT, "C learns n7 again, as a text", () -> "text".equals(types(c).get("n7")));
    }
}
