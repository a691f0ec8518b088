package jfunc.overlord.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jfunc.common.StateDir;
import jfunc.overlord.CallResult;
import jfunc.overlord.FanOut;
import jfunc.overlord.FanOutListener;
import jfunc.overlord.MethodCall;
import jfunc.overlord.MinionAddress;
import jfunc.overlord.MinionResult;
import jfunc.overlord.OverlordApi;
import jfunc.overlord.jobs.Job;
import jfunc.overlord.jobs.JobState;
import jfunc.overlord.jobs.MinionState;
import jfunc.overlord.jobs.RealMinions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Through the service, results come as they arrive: a sync call's rows as each minion answers,
 * not all at the end; and a minion down at submission runs the job once when it comes up, the
 * service re-sending on its own (no client polls).
 */
@Timeout(180)
class ServiceStreamTest {
    @TempDir
    Path dir;

    static int freePort() throws Exception {
        try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return free.getLocalPort(); // nothing listens there once this closes
        }
    }

    @Test
    void aSyncCallsRowsComeAsMinionsAnswer() throws Exception {
        try (RealMinions fleet = new RealMinions(dir.resolve("fleet"))) {
            MinionAddress a = fleet.start("a.example.org");
            MinionAddress down = new MinionAddress("down.example.org", "127.0.0.1", freePort());
            StateDir state = fleet.overlordState(dir.resolve("state"), List.of(a, down));
            try (OverlordService service = OverlordService.start(state, ServiceTest.settings());
                 ServiceClient c = ServiceClient.connect(state, FanOut.Limits.defaults())) {
                Map<String, Long> heard = new ConcurrentHashMap<>();
                long t0 = System.nanoTime();
                CallResult r = c.call(c.select("*"), MethodCall.of("test.sleep", 3), Duration.ofSeconds(20),
                        new FanOutListener() {
                            @Override
                            public void started(MinionAddress m) {
                                heard.putIfAbsent("started " + m.name(), System.nanoTime() - t0);
                            }

                            @Override
                            public void finished(MinionResult m) {
                                heard.put(m.minion(), System.nanoTime() - t0);
                            }
                        });
                long total = System.nanoTime() - t0;
                assertEquals(List.of("a.example.org", "down.example.org"),
                        r.results().stream().map(MinionResult::minion).toList(), "the answer is still in target order");
                assertTrue(r.results().get(0).ok(), r.toString());
                assertTrue(heard.containsKey("started a.example.org"), heard.toString());
                long gap = total - heard.get("down.example.org");
                assertTrue(gap > Duration.ofMillis(1500).toNanos(),
                        "the unreachable minion's row came " + gap / 1_000_000 + " ms before the end, not with it: " + heard);
                assertTrue(r.jobId() != null, "still a job");
            }
        }
    }

    @Test
    void aMinionDownAtSubmissionRunsTheJobOnceWhenItComesUpWithNoClientAsking() throws Exception {
        try (RealMinions fleet = new RealMinions(dir.resolve("fleet"))) {
            int port = freePort();
            MinionAddress late = new MinionAddress("late.example.org", "127.0.0.1", port);
            StateDir state = fleet.overlordState(dir.resolve("state"), List.of(late));
            Path ran = dir.resolve("ran.txt");
            try (OverlordService service = OverlordService.start(state, ServiceTest.settings())) {
                String id;
                try (ServiceClient c = ServiceClient.connect(state, FanOut.Limits.defaults())) {
                    OverlordApi.Submitted sub = c.submit(c.select("*"), MethodCall.of("command.run", "echo ran >> " + ran),
                            Instant.now().plusSeconds(120), null);
                    id = sub.summary().id();
                    assertEquals(MinionState.SUBMITTING, sub.minions().get(0).state(), "kept for re-sending");
                }
                Thread.sleep(3000); // the service tries on its own backoff meanwhile
                fleet.start("late.example.org", Map.of("listen", "127.0.0.1:" + port), false);
                long end = System.nanoTime() + Duration.ofSeconds(90).toNanos();
                Job job;
                do { // read the store only: no client makes the service ask the minion
                    Thread.sleep(500);
                    try (ServiceClient c = ServiceClient.connect(state, FanOut.Limits.defaults())) {
                        job = c.jobs(List.of(id)).get(id);
                    }
                } while (job.state() != JobState.FINISHED && System.nanoTime() < end);
                assertEquals(JobState.FINISHED, job.state(), job.toString());
                assertEquals(MinionState.FINISHED, job.minions().get(0).state(), job.toString());
                assertEquals(List.of("ran"), Files.readAllLines(ran), "the job ran once on the minion");
            }
        }
    }
}
