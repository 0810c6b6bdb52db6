package io.rhizome.core.tests.plugins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Constants;

import io.rhizome.core.internal.plugins.RankedServices;

/** The ranked-services helper: the OSGi choice per key, switching as services come and go. */
class RankedServicesTest {

    private final RankedServices<String> ranked = new RankedServices<>();
    private final List<String> changes = new CopyOnWriteArrayList<>();

    RankedServicesTest() {
        ranked.onActiveChange((key, active) -> changes.add(key + "=" + active.orElse("-")));
    }

    @Test
    void theHighestRankingIsActiveWhateverTheOrderOfArrival() {
        ranked.put("k", 5, 10, "low");
        ranked.put("k", 6, 100, "high");
        ranked.put("k", 7, 50, "middle");
        assertEquals(Optional.of("high"), ranked.active("k"));
        assertEquals(OptionalLong.of(6), ranked.activeServiceId("k"));
        assertTrue(ranked.isActive(6));
        assertFalse(ranked.isActive(5));
        assertFalse(ranked.isActive(7));
        assertEquals(List.of("k=low", "k=high"), changes, "told only when the active one changed");
        assertEquals(List.of("high", "middle", "low"), ranked.entries().stream().map(RankedServices.Entry::service).toList());
    }

    @Test
    void onATieTheLowestServiceIdWins() {
        ranked.put("k", 9, 0, "later");
        ranked.put("k", 3, 0, "earlier");
        ranked.put("k", 12, 0, "latest");
        assertEquals(Optional.of("earlier"), ranked.active("k"));
        assertEquals(List.of("k=later", "k=earlier"), changes);
    }

    @Test
    void removingTheActiveOneSwitchesToTheNextAndThenToNone() {
        ranked.put("k", 1, 10, "a");
        ranked.put("k", 2, 20, "b");
        ranked.remove(1);
        assertEquals(Optional.of("b"), ranked.active("k"), "removing another one changes nothing");
        assertEquals(List.of("k=a", "k=b"), changes);
        ranked.put("k", 1, 10, "a");
        ranked.remove(2);
        assertEquals(Optional.of("a"), ranked.active("k"));
        ranked.remove(1);
        assertEquals(Optional.empty(), ranked.active("k"));
        assertEquals(OptionalLong.empty(), ranked.activeServiceId("k"));
        assertEquals(List.of("k=a", "k=b", "k=a", "k=-"), changes);
        ranked.remove(42);
        assertEquals(4, changes.size(), "an unknown id changes nothing");
    }

    @Test
    void keysAreIndependent() {
        ranked.put("or-set", 1, 0, "builtin-or-set");
        ranked.put("text", 2, 0, "builtin-text");
        ranked.put("or-set", 3, 200, "acme-or-set");
        assertEquals(Optional.of("acme-or-set"), ranked.active("or-set"));
        assertEquals(Optional.of("builtin-text"), ranked.active("text"));
        assertEquals(Optional.empty(), ranked.active("list"));
        ranked.remove(3);
        assertEquals(Optional.of("builtin-or-set"), ranked.active("or-set"));
        assertEquals(Optional.of("builtin-text"), ranked.active("text"));
    }

    @Test
    void aRankingUpdateOfTheSameServiceReorders() {
        ranked.put("k", 1, 100, "bc");
        ranked.put("k", 2, 50, "jca");
        ranked.put("k", 2, 200, "jca");
        assertEquals(Optional.of("jca"), ranked.active("k"));
        assertEquals(2, ranked.entries().size(), "an update replaces the entry of its service id");
        ranked.put("k", 2, 50, "jca");
        assertEquals(Optional.of("bc"), ranked.active("k"));
        assertEquals(List.of("k=bc", "k=jca", "k=bc"), changes);
    }

    @Test
    void readsIdAndRankingFromServiceProperties() {
        ranked.put(RankedServices.ONE, "plain", Map.of(Constants.SERVICE_ID, 4L));
        ranked.put(RankedServices.ONE, "ranked", Map.of(Constants.SERVICE_ID, 5L, Constants.SERVICE_RANKING, 1));
        ranked.put(RankedServices.ONE, "not-an-integer", Map.of(Constants.SERVICE_ID, 6L, Constants.SERVICE_RANKING, "999"));
        assertEquals(Optional.of("ranked"), ranked.active(RankedServices.ONE), "a ranking that is not an Integer counts as 0");
        ranked.remove(Map.of(Constants.SERVICE_ID, 5L));
        assertEquals(Optional.of("plain"), ranked.active(RankedServices.ONE));
    }

    /**
     * Services come and go on several threads at once while readers ask: at the end the active one is
     * exactly the best of those left, and the last notice a listener got names it.
     */
    @Test
    void concurrentAddsAndRemovesEndWithTheBestOfWhatIsLeft() throws Exception {
        int threads = 4;
        int rounds = 2_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> work = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                work.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < rounds; i++) {
                        long id = thread * 100_000L + i;
                        ranked.put("k", id, (int) (id % 97), "s" + id);
                        if (i % 3 != 0) {
                            ranked.remove(id);
                        }
                    }
                    return null;
                }));
            }
            work.add(pool.submit(() -> {
                go.await();
                for (int i = 0; i < rounds * threads; i++) {
                    ranked.active("k").ifPresent(s -> assertTrue(s.startsWith("s")));
                }
                return null;
            }));
            go.countDown();
            for (Future<?> f : work) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        }
        List<RankedServices.Entry<String>> left = ranked.entries();
        assertEquals(threads * ((rounds + 2) / 3), left.size(), "every third service stays");
        RankedServices.Entry<String> best = left.get(0);
        for (RankedServices.Entry<String> e : left) {
            assertTrue(e.ranking() < best.ranking() || (e.ranking() == best.ranking() && e.serviceId() >= best.serviceId()),
                    "entries are best first: " + e + " after " + best);
        }
        assertEquals(Optional.of(best.service()), ranked.active("k"));
        assertEquals("k=" + best.service(), changes.get(changes.size() - 1), "the last notice names the active service");
    }
}
