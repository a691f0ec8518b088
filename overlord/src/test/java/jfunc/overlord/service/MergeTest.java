package jfunc.overlord.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import jfunc.common.StateDir;
import jfunc.overlord.service.ServiceTest.Run;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Merged requests through an in-process jfunc-overlord: identical calls of a read-only method
 * from several CLI clients at once reach each minion once (its relay counts what arrives) and all
 * get the answer; {@code --no-merge} and methods that are not read-only are sent every time; the
 * merged calls are counted in the metrics.
 */
@Timeout(120)
class MergeTest {
    @TempDir
    static Path dir;
    static ServedFleet fixture;

    @BeforeAll
    static void start() throws Exception {
        fixture = new ServedFleet(dir, List.of("a1", "a2"), true);
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    /** {@code n} CLI clients running {@code args} at the same moment. */
    static List<Run> atOnce(int n, String... args) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Run>> runs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            runs.add(pool.submit(() -> {
                go.await();
                return ServiceTest.jfuncOn(fixture.served, args);
            }));
        }
        go.countDown();
        List<Run> out = new ArrayList<>();
        for (Future<Run> f : runs) {
            out.add(f.get(60, TimeUnit.SECONDS));
        }
        pool.shutdown();
        return out;
    }

    @Test
    void identicalReadOnlyCallsFromManyClientsRunOnceUnlessNoMerge() throws Exception {
        ServiceTest.jfuncOn(fixture.served, "*", "call", "test", "echo", "warm"); // the method check's answers are kept
        int before = fixture.fleet.callsOf("a1", "test.sleep");
        List<Run> merged = atOnce(5, "*", "call", "test", "sleep", "3", "--sort");
        for (Run r : merged) {
            assertEquals(0, r.code(), r.out() + r.err());
            assertEquals("MINION  STATUS  RESULT\na1      ok      true\na2      ok      true\n", r.out());
        }
        assertEquals(1, fixture.fleet.callsOf("a1", "test.sleep") - before, "five identical calls reached a1 once");
        assertEquals(1, fixture.fleet.callsOf("a2", "test.sleep") - before);

        int mid = fixture.fleet.callsOf("a1", "test.sleep");
        for (Run r : atOnce(3, "*", "call", "test", "sleep", "3", "--no-merge")) {
            assertEquals(0, r.code(), r.err());
        }
        assertEquals(3, fixture.fleet.callsOf("a1", "test.sleep") - mid, "--no-merge sends each");

        int runs = fixture.fleet.callsOf("a1", "command.run");
        for (Run r : atOnce(3, "a1", "call", "command", "run", "sleep 1")) {
            assertEquals(0, r.code(), r.err());
        }
        assertEquals(3, fixture.fleet.callsOf("a1", "command.run") - runs, "command.run is not read-only: never merged");

        var http = java.net.http.HttpClient.newHttpClient();
        String text = http.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + fixture.service.metricsPort() + "/metrics")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(text.contains("jfunc_merged_calls_total 4.0"), text);
    }
}
