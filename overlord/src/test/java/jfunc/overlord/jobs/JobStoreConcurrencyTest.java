package jfunc.overlord.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import jfunc.common.Ids;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.mapdb.DB;
import org.mapdb.DBMaker;

/** Several threads and processes on one store file; crashes of a writer. */
@Timeout(120)
class JobStoreConcurrencyTest {
    @TempDir
    Path dir;

    private MapDbJobStore store(Duration wait) {
        return new MapDbJobStore(dir.resolve("jobs.db"), wait);
    }

    private static List<String> names(int n) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            names.add("m" + i);
        }
        return names;
    }

    @Test
    void threadsOfOneProcessTakeTurns() throws Exception {
        MapDbJobStore store = store(Duration.ofSeconds(30));
        Job job = Job.submitting(Ids.next(), "*", "test.ping", "[]", Instant.now(), null, names(40));
        store.create(job);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int first = t * 10;
            futures.add(pool.submit(() -> {
                for (int i = first; i < first + 10; i++) {
                    store.update(job.id(), List.of(MinionJob.finished("m" + i, "j" + i, i, Instant.now())), false);
                    store.list(null, null, 5); // readers interleave with writers
                }
            }));
        }
        for (Future<?> f : futures) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        JobSummary s = store.update(job.id(), List.of(), true);
        assertEquals(JobState.FINISHED, s.state());
        assertEquals(40, s.count(MinionState.FINISHED));
    }

    @Test
    void interruptingCallersNeverBreaksTheStore() throws Exception {
        MapDbJobStore store = store(Duration.ofSeconds(30));
        Job job = Job.submitting(Ids.next(), "*", "test.ping", "[]", Instant.now(), null, names(200));
        store.create(job);
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread writer = new Thread(() -> {
            try {
                for (int round = 0; round < 40; round++) {
                    List<MinionJob> batch = new ArrayList<>();
                    for (int i = 0; i < 200; i++) {
                        batch.add(MinionJob.running("m" + i, "r" + round, Instant.now()));
                    }
                    store.update(job.id(), batch, false);
                }
            } catch (Throwable t) {
                failures.add(t);
            }
        });
        writer.start();
        while (writer.isAlive()) {
            writer.interrupt(); // as a shutdownNow() of a pool would
            Thread.sleep(1);
        }
        assertEquals(List.of(), failures);
        Job read = store.get(job.id()).orElseThrow();
        assertEquals("r39", read.minions().get(0).jobId());
        assertEquals(200, read.summary().count(MinionState.RUNNING));
    }

    @Test
    void anotherProcessHoldingTheFileMakesUsWaitThenFailClearly() throws Exception {
        MapDbJobStore store = store(Duration.ofSeconds(30));
        store.create(Job.submitting(Ids.next(), "*", "test.ping", "[]", Instant.now(), null, names(1)));
        Process holder = StoreChild.start("hold", store.file().toString(), "4000");
        try {
            assertEquals("held", firstLine(holder));
            MapDbJobStore impatient = store(Duration.ofMillis(300));
            JobStoreException e = assertThrows(JobStoreException.class, () -> impatient.list(null, null, 10));
            assertEquals(JobStoreException.Reason.BUSY, e.reason());
            assertTrue(e.getMessage().contains("busy") && e.getMessage().contains(store.file().toString()), e.getMessage());
            // a patient caller gets in once the holder lets go
            assertEquals(1, store.list(null, null, 10).size());
        } finally {
            holder.destroyForcibly().waitFor();
        }
    }

    @Test
    void twoProcessesWritingAtOnceLoseNothing() throws Exception {
        MapDbJobStore store = store(Duration.ofSeconds(30));
        List<String> names = new ArrayList<>(names(30));
        names.add("m-child");
        Job job = Job.submitting(Ids.next(), "*", "test.ping", "[]", Instant.now(), null, names);
        store.create(job);
        Process child = StoreChild.start("write", store.file().toString(), "30", job.id());
        for (int i = 0; i < 30; i++) {
            store.update(job.id(), List.of(MinionJob.finished("m" + i, "p" + i, i, Instant.now())), false);
        }
        assertTrue(child.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, child.exitValue());
        Job read = store.get(job.id()).orElseThrow();
        assertEquals(30, read.summary().count(MinionState.FINISHED));
        MinionJob fromChild = read.minions().stream().filter(m -> m.minion().equals("m-child")).findFirst().orElseThrow();
        assertEquals("c29", fromChild.jobId());
    }

    @Test
    void killMinus9OfAWriterLeavesAReadableConsistentStore() throws Exception {
        MapDbJobStore store = store(Duration.ofSeconds(30));
        Process child = StoreChild.start("churn", store.file().toString());
        List<String> committed = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            while (committed.size() < 8) {
                String line = out.readLine();
                assertNotNull(line, "child ended early");
                committed.add(line.substring("committed ".length()));
            }
            child.destroyForcibly(); // SIGKILL, most likely mid-write
            child.waitFor();
        }
        List<JobSummary> all = store.list(null, null, 1000);
        List<String> ids = all.stream().map(JobSummary::id).toList();
        assertTrue(ids.containsAll(committed), "every job reported committed is there");
        for (Job job : store.getAll(ids).values()) {
            // the summary's counts agree with the minion records: no torn update
            assertEquals(Job.countStates(job.minions()), job.summary().counts(), job.id());
            assertEquals(50, job.minions().size());
        }
        for (String id : committed) {
            assertEquals(JobState.FINISHED, store.get(id).orElseThrow().state());
        }
        // and the store takes new work
        store.create(Job.submitting(Ids.next(), "*", "test.ping", "[]", Instant.now(), null, names(1)));
    }

    @Test
    void aSubmitterKilledMidFanOutLeavesAnIncompleteJobWithWhatItRecorded() throws Exception {
        MapDbJobStore store = store(Duration.ofSeconds(30));
        Process child = StoreChild.start("submit", store.file().toString());
        String id;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line = out.readLine();
            assertNotNull(line);
            id = line.substring("recorded ".length());
            assertEquals(JobState.RUNNING, store.get(id).orElseThrow().state(), "submitter alive: RUNNING");
            child.destroyForcibly();
            child.waitFor();
        }
        Job job = store.get(id).orElseThrow();
        assertEquals(JobState.INCOMPLETE, job.state());
        assertEquals(300, job.summary().count(MinionState.RUNNING));
        assertEquals(700, job.summary().count(MinionState.SUBMITTING));
        assertEquals("mj299", job.minions().get(299).jobId());
        assertEquals(List.of(id), MapDbJobStoreTest.idsOf(store.list(JobState.INCOMPLETE, null, 10)));
    }

    @Test
    void theRecorderWritesInBatchesBeforeTheFanOutEnds() throws Exception {
        MapDbJobStore store = store(Duration.ofSeconds(30));
        long until;
        Job job = Job.submitting(Ids.next(), "*", "test.ping", "[]", Instant.now(), null, names(250));
        store.create(job);
        try (MinionRecorder recorder = new MinionRecorder(store, job.id(), 100, Duration.ofSeconds(30))) {
            for (int i = 0; i < 150; i++) {
                recorder.record(MinionJob.running("m" + i, "j" + i, Instant.now()));
            }
            // the first full batch goes to disk at once (on the recorder's thread); the rest
            // waits for the next full batch, the timer or finish()
            until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (store.get(job.id()).orElseThrow().summary().count(MinionState.RUNNING) < 100) {
                assertFalse(System.nanoTime() > until, "the full batch was never written");
                Thread.sleep(20);
            }
            for (int i = 150; i < 250; i++) {
                recorder.record(MinionJob.running("m" + i, "j" + i, Instant.now()));
            }
            JobSummary s = recorder.finish(true);
            assertEquals(JobState.PARTIAL, s.state());
            assertEquals(250, s.count(MinionState.RUNNING));
        }
        Job small = Job.submitting(Ids.next(), "*", "test.ping", "[]", Instant.now(), null, names(3));
        store.create(small);
        try (MinionRecorder recorder = new MinionRecorder(store, small.id(), 100, Duration.ofMillis(100))) {
            recorder.record(MinionJob.running("m0", "j0", Instant.now()));
            until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (store.get(small.id()).orElseThrow().summary().count(MinionState.RUNNING) == 0) {
                assertFalse(System.nanoTime() > until, "the timer never wrote the batch");
                Thread.sleep(50);
            }
        }
    }

    @Test
    void aFileHeldInThisJvmByMapDbItselfIsBusyNotBroken() {
        MapDbJobStore store = store(Duration.ofMillis(200));
        store.list(null, null, 1); // creates it
        DB raw = DBMaker.fileDB(store.file().toFile()).transactionEnable().make();
        try {
            JobStoreException e = assertThrows(JobStoreException.class, () -> store.list(null, null, 1));
            assertEquals(JobStoreException.Reason.BUSY, e.reason());
        } finally {
            raw.close();
        }
        assertEquals(0, store.list(null, null, 1).size());
    }

    private static String firstLine(Process p) throws Exception {
        return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
    }
}
