package jfunc.minion.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import jfunc.common.rpc.RpcClient;
import jfunc.common.testing.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real jfuncd killed with {@code kill -9} during a burst of jobs. After a restart: every job a
 * client saw FINISHED is FINISHED with the same result, every acknowledged job is FINISHED or
 * LOST with a reason (none RUNNING, QUEUED or unknown), and re-sent submissions get their first ids.
 */
class KillDrillTest {
    @TempDir
    Path state;

    @Test
    void finishedJobsSurviveKillNineAndTheRestAreLost() throws Exception {
        TestPki pki = new TestPki();
        JfuncdProcess.enrol(pki, state);
        RpcClient client = new RpcClient(pki.context(pki.overlord()), Duration.ofSeconds(5), Duration.ofSeconds(30));
        Map<String, String> env = Map.of("JFUNC_JOBS_MAX_CONCURRENT_TEST", "4");

        Map<String, String> idByRequest = new ConcurrentHashMap<>();   // acknowledged submissions
        Map<String, Object> seenFinished = new ConcurrentHashMap<>();  // id -> result a client saw
        List<String> requests = new CopyOnWriteArrayList<>();
        JfuncdProcess first = JfuncdProcess.start(state, env);
        AtomicBoolean killed = new AtomicBoolean();
        Thread burst = new Thread(() -> {
            try {
                for (int b = 0; b < 40 && !killed.get(); b++) {
                    Object[] calls = new Object[20];
                    List<String> mine = new ArrayList<>();
                    for (int i = 0; i < calls.length; i++) {
                        int n = b * calls.length + i;
                        String req = "drill-" + n;
                        mine.add(req);
                        // half answer at once, half take 0.3 s on 4 slots: a backlog builds up
                        Object[] inner = n % 2 == 0 ? new Object[] {"test.echo", new Object[] {"value-" + n}}
                                : new Object[] {"test.sleep", new Object[] {0.3}};
                        calls[i] = Map.of("methodName", "jobs.submit", "params",
                                new Object[] {req, inner[0], inner[1]});
                    }
                    requests.addAll(mine);
                    Object[] answers = (Object[]) client.call(first.endpoint, "system.multicall", (Object) calls);
                    for (int i = 0; i < answers.length; i++) {
                        idByRequest.put(mine.get(i), (String) ((Object[]) answers[i])[0]);
                    }
                }
            } catch (Exception e) {
                // the minion was killed under us: in-flight submissions are simply not acknowledged
            }
        });
        burst.start();
        try {
            // watch as a client would; kill once many jobs have finished and many have not
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while ((seenFinished.size() < 30 || idByRequest.size() - seenFinished.size() < 30)
                    && System.nanoTime() < deadline) {
                Object[] ids = idByRequest.values().toArray();
                @SuppressWarnings("unchecked")
                Map<String, Map<String, Object>> now = (Map<String, Map<String, Object>>) client.call(
                        first.endpoint, "jobs.status_many", (Object) ids);
                for (Map<String, Object> r : now.values()) {
                    assertFalse(r.get("state").equals("UNKNOWN"), r.toString());
                    if (r.get("state").equals("FINISHED")) {
                        seenFinished.put((String) r.get("id"), r.get("result"));
                    }
                }
                Thread.sleep(20);
            }
        } finally {
            killed.set(true);
            first.kill9();
            burst.join();
        }
        assertTrue(idByRequest.size() > seenFinished.size(), "killed while jobs were still pending");

        try (JfuncdProcess second = JfuncdProcess.start(state, env)) {
            @SuppressWarnings("unchecked")
            Map<String, Map<String, Object>> after = (Map<String, Map<String, Object>>) client.call(
                    second.endpoint, "jobs.status_many", (Object) idByRequest.values().toArray());
            Map<String, Integer> counts = new HashMap<>();
            for (Map<String, Object> r : after.values()) {
                String s = (String) r.get("state");
                counts.merge(s, 1, Integer::sum);
                assertTrue(s.equals("FINISHED") || s.equals("LOST"), "after restart: " + r
                        + "\nthe restarted minion said:\n" + second.output());
                if (s.equals("LOST")) {
                    assertTrue(((String) r.get("reason")).startsWith("minion restarted"), r.toString());
                }
            }
            for (Map.Entry<String, Object> e : seenFinished.entrySet()) {
                Map<String, Object> r = after.get(e.getKey());
                assertEquals("FINISHED", r.get("state"), "a job seen FINISHED stays FINISHED: " + r);
                assertEquals(e.getValue(), r.get("result"));
            }
            assertTrue(counts.getOrDefault("LOST", 0) > 0, "jobs running at the kill are LOST: " + counts);

            // re-sending every submission (a retrying overlord) returns the first ids and runs nothing new
            Object[] again = new Object[requests.size()];
            for (int i = 0; i < again.length; i++) {
                again[i] = Map.of("methodName", "jobs.submit", "params",
                        new Object[] {requests.get(i), "test.ping", new Object[0]});
            }
            Object[] answers = (Object[]) client.call(second.endpoint, "system.multicall", (Object) again);
            Map<String, String> resent = new LinkedHashMap<>();
            for (int i = 0; i < answers.length; i++) {
                resent.put(requests.get(i), (String) ((Object[]) answers[i])[0]);
            }
            idByRequest.forEach((req, id) -> assertEquals(id, resent.get(req), "request " + req));
            assertTrue(second.output().contains("marked LOST"), second.output());
        }
    }
}
