package io.rhizome.core.internal.sync;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * Session tasks after the node's pool shut down: a transport thread that delivers a late message
 * or close must not get a {@code RejectedExecutionException} thrown back into it (the engine benchmark hit
 * this when a node closed while its peer's link was still reporting the close).
 */
class SerialExecutorTest {

    @Test
    void tasksRunInOrderAndTasksAfterShutdownAreDroppedWithoutThrowing() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        SerialExecutor serial = new SerialExecutor(pool);
        List<Integer> ran = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 100; i++) {
            int n = i;
            serial.execute(() -> ran.add(n));
        }
        pool.shutdown();
        assertEquals(true, pool.awaitTermination(30, TimeUnit.SECONDS));
        assertEquals(100, ran.size());
        for (int i = 0; i < 100; i++) {
            assertEquals(i, ran.get(i), "tasks run in submission order");
        }
        assertDoesNotThrow(() -> serial.execute(() -> ran.add(-1)), "a task after shutdown does not throw into the caller");
        assertDoesNotThrow(() -> serial.execute(() -> ran.add(-2)), "nor does the next one");
        assertEquals(100, ran.size(), "tasks after shutdown do not run");
    }
}
