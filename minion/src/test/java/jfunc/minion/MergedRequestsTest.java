package jfunc.minion;

import jfunc.minion.testing.TestMinion;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Merged requests on a real minion over TLS: identical calls of a read-only method in flight at
 * once run once and all get its answer; other methods, or other arguments, each run.
 */
class MergedRequestsTest {
    @TempDir
    Path dir;

    /** A module whose methods count how often they really ran. */
    static final class Counting implements MinionModule {
        final AtomicInteger looks = new AtomicInteger();
        final AtomicInteger writes = new AtomicInteger();

        @Override
        public String name() {
            return "counting";
        }

        @Override
        public List<MethodSpec> methods() {
            return List.of(
                    MethodSpec.method("look").readOnly().param("what", ArgType.STRING).handler((a, c) -> {
                        looks.incrementAndGet();
                        Thread.sleep(800);
                        return "seen " + a.string(0);
                    }),
                    MethodSpec.method("write").param("what", ArgType.STRING).handler((a, c) -> {
                        writes.incrementAndGet();
                        Thread.sleep(800);
                        return "wrote " + a.string(0);
                    }));
        }
    }

    @Test
    void identicalReadOnlyCallsInFlightRunOnce() throws Exception {
        Counting counting = new Counting();
        try (TestMinion m = TestMinion.start(dir.resolve("state"), Map.of("worker_threads", "16"), List.of(counting))) {
            ExecutorService pool = Executors.newFixedThreadPool(12);
            List<Future<Object>> answers = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                answers.add(pool.submit(() -> m.call("counting.look", "x")));
            }
            answers.add(pool.submit(() -> m.call("counting.look", "y"))); // other arguments: its own run
            for (int i = 0; i < 4; i++) {
                answers.add(pool.submit(() -> m.call("counting.write", "x")));
            }
            List<Object> got = new ArrayList<>();
            for (Future<Object> f : answers) {
                got.add(f.get(30, TimeUnit.SECONDS));
            }
            pool.shutdown();
            assertEquals(List.of("seen x", "seen x", "seen x", "seen x", "seen x", "seen x", "seen y",
                    "wrote x", "wrote x", "wrote x", "wrote x"), got);
            assertEquals(2, counting.looks.get(), "six identical looks ran once, the other once");
            assertEquals(4, counting.writes.get(), "a method that is not read-only always runs");
            // one after the other: not in flight together, so each runs
            m.call("counting.look", "x");
            assertEquals(3, counting.looks.get());

            List<?> readOnly = List.of((Object[]) m.call("system.list_read_only_methods"));
            assertTrue(readOnly.containsAll(List.of("counting.look", "facts.all", "process.info", "service.status",
                    "test.ping", "test.echo", "test.add", "test.sleep")), readOnly.toString());
            assertTrue(!readOnly.contains("counting.write") && !readOnly.contains("command.run"), readOnly.toString());
            assertTrue(String.valueOf(m.call("system.method_help", "facts.all")).endsWith(
                    "(read-only: identical calls in flight share one answer)"));
        }
    }
}
