package jfunc.overlord.jobs;

import jfunc.overlord.OverlordApi;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import jfunc.common.Ids;
import jfunc.common.StateDir;
import jfunc.overlord.FanOut;
import jfunc.overlord.MethodCall;
import jfunc.overlord.MinionAddress;
import jfunc.overlord.Overlord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The async flow over real minions (jfuncd's server, modules and job runner) on loopback. */
@Timeout(120)
class AsyncJobsTest {
    @TempDir
    Path dir;

    private RealMinions fleet;
    private Overlord overlord;

    private AsyncJobs jobs(StateDir state) throws Exception {
        return jobs(state, new FanOut.Limits(8, Duration.ofSeconds(10)));
    }

    private AsyncJobs jobs(StateDir state, FanOut.Limits limits) throws Exception {
        overlord = Overlord.open(state, limits);
        return new AsyncJobs(MapDbJobStore.in(state), () -> overlord);
    }

    /** An AsyncJobs that fails the test if it ever needs the overlord (a remote call or TLS). */
    private static AsyncJobs storeOnly(StateDir state, AtomicInteger asked) {
        Supplier<Overlord> never = () -> {
            asked.incrementAndGet();
            throw new AssertionError("the overlord was needed");
        };
        return new AsyncJobs(MapDbJobStore.in(state), never);
    }

    @AfterEach
    void stop() {
        if (overlord != null) {
            overlord.close();
        }
        if (fleet != null) {
            fleet.close();
        }
    }

    @Test
    void submitPollFinishThenAnswerFromTheStoreWithMinionsStopped() throws Exception {
        fleet = new RealMinions(dir.resolve("fleet"));
        MinionAddress a = fleet.counted("a.example.org");
        MinionAddress b = fleet.start("b.example.org");
        StateDir state = fleet.overlordState(dir.resolve("state"), List.of(a, b));
        AsyncJobs jobs = jobs(state);

        OverlordApi.Submitted sub = jobs.submit(overlord.select("*;ghost.example.org"),
                MethodCall.of("test.echo", "hello"), null, null);
        String id = sub.summary().id();
        assertTrue(Ids.isValid(id));
        assertEquals(JobState.PARTIAL, sub.summary().state());
        assertEquals(List.of("a.example.org", "b.example.org", "ghost.example.org"),
                sub.minions().stream().map(MinionJob::minion).toList());
        assertEquals(MinionState.RUNNING, sub.minions().get(0).state());
        assertNotNull(sub.minions().get(0).jobId());
        MinionJob ghost = sub.minions().get(2);
        assertEquals(MinionState.REMOTE_ERROR, ghost.state());
        assertTrue(ghost.error().message().contains("not in the inventory"), ghost.error().message());
        assertEquals(1, fleet.calls("a.example.org", "jobs.submit"));

        Job job = jobs.await(id, Duration.ofSeconds(30), null);
        assertEquals(JobState.FINISHED, job.state());
        assertEquals("hello", job.minions().get(0).result());
        assertEquals("hello", job.minions().get(1).result());

        fleet.close(); // every minion gone: any remote call would now fail
        AtomicInteger asked = new AtomicInteger();
        int before = fleet.calls("a.example.org");
        Job again = storeOnly(state, asked).status(List.of(id)).get(id);
        assertEquals(JobState.FINISHED, again.state());
        assertEquals("hello", again.minions().get(0).result());
        assertNull(again.minions().get(0).error());
        assertEquals(0, asked.get(), "no overlord, no TLS context, no call");
        assertEquals(before, fleet.calls("a.example.org"));
    }

    @Test
    void waitWakesWhenTheJobEndsWithOneLongPollPerMinion() throws Exception {
        fleet = new RealMinions(dir.resolve("fleet"));
        MinionAddress a = fleet.counted("a.example.org");
        MinionAddress b = fleet.counted("b.example.org");
        StateDir state = fleet.overlordState(dir.resolve("state"), List.of(a, b));
        AsyncJobs jobs = jobs(state);
        String id = jobs.submit(overlord.select("*"), MethodCall.of("test.sleep", 2), null, null).summary().id();
        List<String> arrived = new CopyOnWriteArrayList<>();
        long start = System.nanoTime();
        Job job = jobs.await(id, Duration.ofSeconds(60), m -> arrived.add(m.minion() + " " + m.state()));
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertEquals(JobState.FINISHED, job.state());
        assertTrue(tookMs < 15_000, "woke " + tookMs + " ms after the start");
        assertEquals(List.of("a.example.org FINISHED", "b.example.org FINISHED"), arrived.stream().sorted().toList());
        for (String m : List.of("a.example.org", "b.example.org")) {
            assertEquals(1, fleet.calls(m, "jobs.submit"), m);
            assertEquals(1, fleet.calls(m, "jobs.wait"), m + " got " + fleet.calls.get(m));
            assertEquals(0, fleet.calls(m, "jobs.status"), m);
        }
    }

    @Test
    void moreUnfinishedMinionsThanForksArePolledWithPausesNotLongPolls() throws Exception {
        fleet = new RealMinions(dir.resolve("fleet"));
        MinionAddress a = fleet.counted("a.example.org");
        MinionAddress b = fleet.counted("b.example.org");
        StateDir state = fleet.overlordState(dir.resolve("state"), List.of(a, b));
        overlord = Overlord.open(state, new FanOut.Limits(1, Duration.ofSeconds(10)));
        AsyncJobs jobs = new AsyncJobs(MapDbJobStore.in(state), () -> overlord);
        String id = jobs.submit(overlord.select("*"), MethodCall.of("test.sleep", 2), null, null).summary().id();
        Job job = jobs.await(id, Duration.ofSeconds(60), null);
        assertEquals(JobState.FINISHED, job.state());
        for (String m : List.of("a.example.org", "b.example.org")) {
            assertEquals(0, fleet.calls(m, "jobs.wait"), "a long poll would hold the only fork");
            int polls = fleet.calls(m, "jobs.status");
            assertTrue(polls >= 1 && polls <= 4, m + " was polled " + polls + " times in about 2 s");
        }
    }

    @Test
    void aJobTheMinionDoesNotKnowIsLostWithTheReason() throws Exception {
        fleet = new RealMinions(dir.resolve("fleet"));
        MinionAddress a = fleet.start("a.example.org");
        StateDir state = fleet.overlordState(dir.resolve("state"), List.of(a));
        AsyncJobs jobs = jobs(state);
        Job job = Job.submitting(Ids.next(), "a*", "test.ping", "[]", Instant.now(), null, List.of("a.example.org"));
        jobs.store().create(job);
        String unknown = Ids.next(); // a minion job id that minion never made (purged, or restarted with a new file)
        jobs.store().update(job.id(), List.of(MinionJob.running("a.example.org", unknown, Instant.now())), true);
        Job polled = jobs.status(List.of(job.id())).get(job.id());
        MinionJob m = polled.minions().get(0);
        assertEquals(MinionState.LOST, m.state());
        assertTrue(m.error().message().contains(unknown), m.error().message());
        assertEquals(JobState.FINISHED, polled.state());
    }

    /**
     * Issue 15, finding 2, the overlord's side: a minion job id that answers with another
     * submission's record (here another job's, as when someone claimed this job's request id
     * first) never gives this job that record's result.
     */
    @Test
    void aRecordOfAnotherSubmissionIsNotTakenAsThisJobsResult() throws Exception {
        fleet = new RealMinions(dir.resolve("fleet"));
        MinionAddress a = fleet.start("a.example.org");
        StateDir state = fleet.overlordState(dir.resolve("state"), List.of(a));
        AsyncJobs jobs = jobs(state);
        String planted = jobs.submit(overlord.select("*"), MethodCall.of("test.echo", "all good"), null, null)
                .minions().get(0).jobId();
        String id = jobs.submit(overlord.select("*"), MethodCall.of("test.echo", "the real work"), null, null)
                .summary().id();
        jobs.store().update(id, List.of(MinionJob.running("a.example.org", planted, Instant.now())), true);
        MinionJob m = jobs.await(id, Duration.ofSeconds(30), null).minions().get(0);
        assertEquals(MinionState.REMOTE_ERROR, m.state());
        assertEquals("protocol", m.error().kind());
        assertTrue(m.error().message().contains("is not this job's submission"), m.error().message());
    }

    /** Issue 15, finding 7: the overlord's job store keeps env names, not their values. */
    @Test
    void envValuesAreNotKeptInTheJobStore() throws Exception {
        fleet = new RealMinions(dir.resolve("fleet"));
        MinionAddress a = fleet.start("a.example.org");
        StateDir state = fleet.overlordState(dir.resolve("state"), List.of(a));
        AsyncJobs jobs = jobs(state);
        String id = jobs.submit(overlord.select("*"), MethodCall.of("command.run", "test \"$TOKEN\" = \"$(printf 's3c%s' 'r3t-value')\" && echo same",
                Map.of("env", Map.of("TOKEN", "s3cr3t-value"))), null, null).summary().id();
        Job done = jobs.await(id, Duration.ofSeconds(30), null);
        assertEquals("same\n", ((Object[]) done.minions().get(0).result())[1], "the command got the value");
        assertTrue(done.summary().args().contains("TOKEN"), done.summary().args());
        assertFalse(done.summary().args().contains("s3cr3t"), done.summary().args());
        assertTrue(jobs.store().params(id).isEmpty(),
                "the copy kept to re-send the submission goes once every minion has the job");
        try (var files = java.nio.file.Files.walk(dir.resolve("fleet"))) { // the minion's status.db
            for (Path f : files.filter(java.nio.file.Files::isRegularFile).toList()) {
                String raw = new String(java.nio.file.Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1);
                assertFalse(raw.contains("s3cr3t"), f + " holds the secret");
            }
        }
    }

    @Test
    void anUnreachableMinionStaysUnfinishedUntilTheDeadlinePasses() throws Exception {
        fleet = new RealMinions(dir.resolve("fleet"));
        MinionAddress a = fleet.start("a.example.org");
        StateDir state = fleet.overlordState(dir.resolve("state"), List.of(a));
        AsyncJobs jobs = jobs(state);
        String id = jobs.submit(overlord.select("*"), MethodCall.of("test.sleep", 30), Instant.now().plusSeconds(3600), null)
                .summary().id();
        fleet.stop("a.example.org");
        Job polled = jobs.status(List.of(id)).get(id);
        assertEquals(JobState.PARTIAL, polled.state());
        MinionJob m = polled.minions().get(0);
        assertEquals(MinionState.RUNNING, m.state());
        assertNotNull(m.error(), "the poll error is shown");
        assertEquals("unreachable", m.error().kind());

        // the same situation, once the job's deadline has passed
        Job late = Job.submitting(Ids.next(), "*", "test.sleep", "[30]", Instant.now(), Instant.now().minusSeconds(1),
                List.of("a.example.org"));
        jobs.store().create(late);
        jobs.store().update(late.id(), List.of(MinionJob.running("a.example.org", Ids.next(), Instant.now())), true);
        Job failed = jobs.status(List.of(late.id())).get(late.id());
        assertEquals(MinionState.REMOTE_ERROR, failed.minions().get(0).state());
        assertTrue(failed.minions().get(0).error().message().contains("deadline"));
        assertEquals(JobState.FINISHED, failed.state());
    }

    @Test
    void anInterruptedSubmissionIsSettledOnTheNextStatus() throws Exception {
        StateDir state = new StateDir(dir.resolve("state"));
        MapDbJobStore store = MapDbJobStore.in(state);
        Job j = Job.submitting(Ids.next(), "*", "test.ping", "[]", Instant.now(), null, List.of("a", "b"));
        JobSummary s = j.summary();
        Job dead = new Job(new JobSummary(s.id(), s.target(), s.method(), s.args(), s.submitted(), null, JobState.RUNNING,
                new Submitter(Integer.MAX_VALUE - 1, 1), s.counts()), j.minions());
        store.create(dead);
        store.update(dead.id(), List.of(MinionJob.finished("a", Ids.next(), true, Instant.now())), false);
        AtomicInteger asked = new AtomicInteger();
        Job settled = storeOnly(state, asked).status(List.of(dead.id())).get(dead.id());
        assertEquals(JobState.FINISHED, settled.state());
        assertEquals(MinionState.FINISHED, settled.minions().get(0).state());
        MinionJob b = settled.minions().get(1);
        assertEquals(MinionState.LOST, b.state());
        assertTrue(b.error().message().contains("submission interrupted"), b.error().message());
        assertEquals(0, asked.get());
    }

    @Test
    void aMinionDownAtSubmissionRunsTheJobOnceWhenItComesBack() throws Exception {
        fleet = new RealMinions(dir.resolve("fleet"));
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort(); // nothing listens there once this closes
        }
        MinionAddress late = new MinionAddress("late.example.org", "127.0.0.1", port);
        StateDir state = fleet.overlordState(dir.resolve("state"), List.of(late));
        AsyncJobs jobs = jobs(state);
        Path ran = dir.resolve("ran.txt");
        OverlordApi.Submitted sub = jobs.submit(overlord.select("*"), MethodCall.of("command.run",
                "echo ran >> " + ran), Instant.now().plusSeconds(120), null);
        String id = sub.summary().id();
        MinionJob first = sub.minions().get(0);
        assertEquals(MinionState.SUBMITTING, first.state(), "kept for re-sending, not failed");
        assertTrue(first.awaitsResubmission());
        assertEquals("unreachable", first.error().kind());
        assertEquals(JobState.PARTIAL, sub.summary().state());
        assertEquals(MinionState.SUBMITTING, jobs.status(List.of(id)).get(id).minions().get(0).state());

        fleet.start("late.example.org", Map.of("listen", "127.0.0.1:" + port), false); // comes up later
        Job done = jobs.await(id, Duration.ofSeconds(60), m -> {});
        assertEquals(JobState.FINISHED, done.state(), done.toString());
        assertEquals(MinionState.FINISHED, done.minions().get(0).state(), done.toString());
        jobs.status(List.of(id));
        assertEquals(List.of("ran"), java.nio.file.Files.readAllLines(ran), "the job ran once on the minion");
    }

    @Test
    void aSubmissionThatTimedOutIsResentAndRunsOnce() throws Exception {
        fleet = new RealMinions(dir.resolve("fleet"));
        MinionAddress a = fleet.slowFirstSubmit("a.example.org", 2500); // it gets the job, answers too late
        StateDir state = fleet.overlordState(dir.resolve("state"), List.of(a));
        AsyncJobs jobs = jobs(state, new FanOut.Limits(8, Duration.ofSeconds(1)));
        Path ran = dir.resolve("ran.txt");
        OverlordApi.Submitted sub = jobs.submit(overlord.select("*"), MethodCall.of("command.run",
                "echo ran >> " + ran), Instant.now().plusSeconds(120), null);
        assertEquals("timeout", sub.minions().get(0).error().kind());
        assertTrue(sub.minions().get(0).awaitsResubmission());
        Job done = jobs.await(sub.summary().id(), Duration.ofSeconds(60), m -> {});
        assertEquals(MinionState.FINISHED, done.minions().get(0).state(), done.toString());
        assertEquals(2, fleet.calls("a.example.org", "jobs.submit"), "sent again with the same request id");
        assertEquals(List.of("ran"), java.nio.file.Files.readAllLines(ran), "and run once");
    }

    @Test
    void aSubmissionNeverAcceptedFailsAtTheDeadlineWithItsLastError() throws Exception {
        fleet = new RealMinions(dir.resolve("fleet"));
        MinionAddress gone = new MinionAddress("gone.example.org", "127.0.0.1", 9); // discard port: nothing listens
        StateDir state = fleet.overlordState(dir.resolve("state"), List.of(gone));
        AsyncJobs jobs = jobs(state);
        String id = jobs.submit(overlord.select("*"), MethodCall.of("test.ping"), Instant.now().plusSeconds(2), null)
                .summary().id();
        Job end = jobs.await(id, Duration.ofSeconds(30), m -> {});
        assertEquals(JobState.FINISHED, end.state());
        MinionJob m = end.minions().get(0);
        assertEquals(MinionState.REMOTE_ERROR, m.state());
        assertEquals("unreachable", m.error().kind());
        assertTrue(m.error().message().contains("deadline"), m.error().message());
    }

    @Test
    void severalJobsOfOneMinionArePolledInOneCall() throws Exception {
        fleet = new RealMinions(dir.resolve("fleet"));
        MinionAddress a = fleet.counted("a.example.org");
        StateDir state = fleet.overlordState(dir.resolve("state"), List.of(a));
        AsyncJobs jobs = jobs(state);
        String one = jobs.submit(overlord.select("*"), MethodCall.of("test.echo", "1"), null, null).summary().id();
        String two = jobs.submit(overlord.select("*"), MethodCall.of("test.echo", "2"), null, null).summary().id();
        Thread.sleep(500); // both minion jobs end at once
        Map<String, Job> polled = jobs.status(List.of(one, two));
        assertEquals(1, fleet.calls("a.example.org", "jobs.status_many"));
        assertEquals(0, fleet.calls("a.example.org", "jobs.status"));
        assertEquals("1", polled.get(one).minions().get(0).result());
        assertEquals("2", polled.get(two).minions().get(0).result());
    }
}
