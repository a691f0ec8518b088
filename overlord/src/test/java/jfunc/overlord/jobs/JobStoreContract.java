package jfunc.overlord.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jfunc.common.Ids;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link JobStore} promises, run against each implementation: MapDB
 * ({@link MapDbJobStoreTest}) and PostgreSQL on a real server ({@link PostgresJobStoreTest}).
 */
abstract class JobStoreContract {
    private final List<JobStore> opened = new ArrayList<>();

    /** A new store instance on this test's storage (the same storage on every call). */
    protected abstract JobStore open() throws Exception;

    protected final JobStore store() {
        try {
            JobStore s = open();
            opened.add(s);
            return s;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Another instance on the same storage, as a later process would open it. */
    protected final JobStore reopened() {
        return store();
    }

    @AfterEach
    void closeStores() {
        opened.forEach(JobStore::close);
    }

    static Job newJob(String... minions) {
        return Job.submitting(Ids.next(), "web*", "command.run", "['uptime']", Instant.now(), null, List.of(minions));
    }

    @Test
    void theCallParametersAreKeptUntilNoMinionAwaitsItsSubmission() {
        JobStore store = store();
        Job job = newJob("a", "b");
        store.create(job, List.of("uptime", Map.of("timeout", 5)));
        assertEquals(List.of("uptime", Map.of("timeout", 5)), reopened().params(job.id()).orElseThrow());
        Instant now = Instant.now();
        store.update(job.id(), List.of(MinionJob.running("a", "1", now),
                MinionJob.notSubmitted("b", new MinionError("unreachable", 0, "refused"), now)), true);
        assertTrue(store.params(job.id()).isPresent(), "b awaits its re-submission");
        store.update(job.id(), List.of(MinionJob.running("b", "2", now)), false);
        assertTrue(store.params(job.id()).isEmpty(), "nothing left to send: the arguments are gone");
        Job other = newJob("c");
        store.create(other);
        assertTrue(store.params(other.id()).isEmpty());
        assertEquals(List.of(job.id(), other.id()), List.copyOf(store.getAll(List.of(job.id(), "nope", other.id())).keySet()));
    }

    @Test
    void aJobAndItsResultsSurviveReopening() {
        Job job = newJob("web2", "web1", "web3");
        store().create(job);
        Instant now = Instant.ofEpochMilli(1_700_000_000_123L);
        Map<String, Object> struct = new LinkedHashMap<>();
        struct.put("exit", 0);
        struct.put("ok", true);
        struct.put("load", 0.25);
        struct.put("raw", new byte[] {1, 2, 3});
        struct.put("when", new Date(1_700_000_000_000L));
        struct.put("lines", new Object[] {"a", "ü€", 7});
        store().update(job.id(), List.of(
                MinionJob.finished("web1", "m-1", struct, now),
                MinionJob.failed("web2", null, new MinionError("fault", 104, "forbidden"), now),
                MinionJob.running("web3", "m-3", now)), true);

        Job read = reopened().get(job.id()).orElseThrow();
        assertEquals(JobState.PARTIAL, read.state());
        assertEquals(List.of("web1", "web2", "web3"), read.minions().stream().map(MinionJob::minion).toList());
        MinionJob web1 = read.minions().get(0);
        assertEquals(MinionState.FINISHED, web1.state());
        assertEquals("m-1", web1.jobId());
        assertEquals(now, web1.updated());
        @SuppressWarnings("unchecked")
        Map<String, Object> result = (Map<String, Object>) web1.result();
        assertEquals(List.of("exit", "ok", "load", "raw", "when", "lines"), List.copyOf(result.keySet()));
        assertEquals(0, result.get("exit"));
        assertEquals(true, result.get("ok"));
        assertEquals(0.25, result.get("load"));
        assertArrayEquals(new byte[] {1, 2, 3}, (byte[]) result.get("raw"));
        assertEquals(new Date(1_700_000_000_000L), result.get("when"));
        assertArrayEquals(new Object[] {"a", "ü€", 7}, (Object[]) result.get("lines"));
        MinionJob web2 = read.minions().get(1);
        assertEquals(MinionState.REMOTE_ERROR, web2.state());
        assertNull(web2.jobId());
        assertEquals(new MinionError("fault", 104, "forbidden"), web2.error());
        JobSummary s = read.summary();
        assertEquals("web*", s.target());
        assertEquals("command.run", s.method());
        assertEquals("['uptime']", s.args());
        assertNull(s.submitter());
        assertEquals(3, s.minionCount());
        assertEquals(1, s.unfinished());
    }

    @Test
    void stateMovesRunningPartialFinishedAndResultsAreFinal() {
        JobStore store = store();
        Job job = newJob("a", "b");
        store.create(job);
        Instant now = Instant.now();
        assertEquals(JobState.RUNNING, store.get(job.id()).orElseThrow().state());
        assertEquals(JobState.RUNNING, store.update(job.id(), List.of(MinionJob.running("a", "1", now)), false).state());
        assertEquals(JobState.PARTIAL, store.update(job.id(), List.of(MinionJob.running("b", "2", now)), true).state());
        assertEquals(JobState.PARTIAL, store.update(job.id(), List.of(MinionJob.finished("a", "1", "A", now)), false).state());
        // a late poll saying "running" does not undo a's result
        store.update(job.id(), List.of(MinionJob.running("a", "1", now)), false);
        JobSummary done = store.update(job.id(), List.of(MinionJob.lost("b", "2", "minion restarted", now)), false);
        assertEquals(JobState.FINISHED, done.state());
        assertEquals(Map.of(MinionState.FINISHED, 1, MinionState.LOST, 1), done.counts());
        Job read = store.get(job.id()).orElseThrow();
        assertEquals("A", read.minions().get(0).result());
        assertEquals("minion restarted", read.minions().get(1).error().message());
        assertEquals(List.of(), read.unfinished());
    }

    @Test
    void aBadUpdateChangesNothing() {
        JobStore store = store();
        Job job = newJob("a", "b");
        store.create(job);
        Instant now = Instant.now();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> store.update(job.id(),
                List.of(MinionJob.finished("a", "1", "A", now), MinionJob.finished("zzz", "9", "Z", now)), true));
        assertTrue(e.getMessage().contains("zzz"), e.getMessage());
        Job read = store.get(job.id()).orElseThrow();
        assertEquals(JobState.RUNNING, read.state());
        assertEquals(MinionState.SUBMITTING, read.minions().get(0).state());
        assertThrows(IllegalArgumentException.class, () -> store.update("20990101-000000-000-00000000", List.of(), true));
        assertThrows(IllegalArgumentException.class, () -> store.create(job), "duplicate id");
        assertTrue(store.get("nope").isEmpty());
    }

    @Test
    void listIsNewestFirstPagedAndFilteredByState() {
        JobStore store = store();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            Job job = newJob("m");
            store.create(job);
            ids.add(job.id());
            if (i % 2 == 0) { // 0, 2, 4, 6 finished
                store.update(job.id(), List.of(MinionJob.finished("m", "x", i, Instant.now())), true);
            } else if (i == 3) {
                store.update(job.id(), List.of(MinionJob.running("m", "x", Instant.now())), true);
            }
        }
        assertEquals(List.of(ids.get(6), ids.get(5), ids.get(4)), idsOf(store.list(null, null, 3)));
        assertEquals(List.of(ids.get(3), ids.get(2), ids.get(1)), idsOf(store.list(null, ids.get(4), 3)));
        assertEquals(List.of(ids.get(0)), idsOf(store.list(null, ids.get(1), 3)));
        assertEquals(List.of(ids.get(6), ids.get(4), ids.get(2), ids.get(0)), idsOf(store.list(JobState.FINISHED, null, 10)));
        assertEquals(List.of(ids.get(2), ids.get(0)), idsOf(store.list(JobState.FINISHED, ids.get(4), 10)));
        assertEquals(List.of(ids.get(3)), idsOf(store.list(JobState.PARTIAL, null, 10)));
        // jobs 1 and 5 are RUNNING, submitted by this (live) process
        assertEquals(List.of(ids.get(5), ids.get(1)), idsOf(store.list(JobState.RUNNING, null, 10)));
        assertEquals(List.of(), idsOf(store.list(JobState.INCOMPLETE, null, 10)));
    }

    @Test
    void aJobWhoseSubmitterDiedIsIncomplete() {
        JobStore store = store();
        Job alive = newJob("a", "b");
        JobSummary s = alive.summary();
        // pid 0 never belongs to a user process: a submitter that is certainly gone
        Job dead = new Job(new JobSummary(Ids.next(), s.target(), s.method(), s.args(), s.submitted(), null,
                JobState.RUNNING, new Submitter(Integer.MAX_VALUE - 1, 1), s.counts()), alive.minions());
        store.create(alive);
        store.create(dead);
        assertEquals(JobState.RUNNING, store.get(alive.id()).orElseThrow().state());
        assertEquals(JobState.INCOMPLETE, store.get(dead.id()).orElseThrow().state());
        assertEquals(List.of(dead.id()), idsOf(store.list(JobState.INCOMPLETE, null, 10)));
        assertEquals(List.of(alive.id()), idsOf(store.list(JobState.RUNNING, null, 10)));
        // settling it: the unrecorded minions become LOST and the fan-out is declared over
        JobSummary settled = store.update(dead.id(), List.of(
                MinionJob.lost("a", null, "submission interrupted", Instant.now()),
                MinionJob.lost("b", null, "submission interrupted", Instant.now())), true);
        assertEquals(JobState.FINISHED, settled.state());
    }

    @Test
    void purgeDeletesOldJobsOnly() throws Exception {
        JobStore store = store();
        Job old1 = newJob("a", "b");
        Job old2 = newJob("a");
        store.create(old1);
        store.create(old2);
        store.update(old1.id(), List.of(), true);
        store.update(old2.id(), List.of(), true);
        Thread.sleep(5);
        Instant cutoff = Instant.now();
        Thread.sleep(5);
        Job fresh = newJob("a");
        store.create(fresh);
        assertEquals(2, store.purge(cutoff));
        assertEquals(List.of(fresh.id()), idsOf(store.list(null, null, 10)));
        // a job this (live) process is still submitting is kept, even when old enough
        assertEquals(0, store.purge(Instant.now().plusSeconds(60)));
        store.update(fresh.id(), List.of(), true);
        assertEquals(1, store.purge(Instant.now().plusSeconds(60)));
        store.create(fresh);
        assertTrue(store.get(old1.id()).isEmpty());
        assertEquals(List.of(fresh.id()), idsOf(store.list(JobState.RUNNING, null, 10)));
        assertEquals(0, store.purge(cutoff));
    }

    static List<String> idsOf(List<JobSummary> summaries) {
        return summaries.stream().map(JobSummary::id).toList();
    }
}
