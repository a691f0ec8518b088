package jfunc.overlord.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jfunc.common.Ids;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;

class MapDbJobStoreTest {
    @TempDir
    Path dir;

    private MapDbJobStore store() {
        return new MapDbJobStore(dir.resolve("overlord/jobs.db"), Duration.ofSeconds(5));
    }

    private static Job newJob(String... minions) {
        return Job.submitting(Ids.next(), "web*", "command.run", "['uptime']", Instant.now(), null, List.of(minions));
    }

    /**
     * jobs-format1.db.gz is a store written by the record format 1 code (before the shared
     * RecordBytes encoding): a job on web1 (finished, a struct with a date), web2 (forbidden),
     * web3 (running); its submission was done, so the parameters are gone. This jfunc reads it, and
     * keeps updating it.
     */
    @Test
    void aStoreWrittenInTheFirstRecordFormatIsReadAndKeepsWorking() throws Exception {
        Path file = dir.resolve("overlord/jobs.db");
        Files.createDirectories(file.getParent());
        try (var in = new java.util.zip.GZIPInputStream(getClass().getResourceAsStream("jobs-format1.db.gz"))) {
            Files.copy(in, file);
        }
        String id = "20261203-094500-000-7f3a9c01-5be0c2d94a17e3f8";
        Job read = store().get(id).orElseThrow();
        assertEquals("web*", read.summary().target());
        assertEquals("command.run", read.summary().method());
        assertEquals(Instant.ofEpochMilli(1_796_291_100_000L), read.summary().submitted());
        assertEquals(List.of("web1", "web2", "web3"), read.minions().stream().map(MinionJob::minion).toList());
        @SuppressWarnings("unchecked")
        Map<String, Object> result = (Map<String, Object>) read.minions().get(0).result();
        assertEquals(-3, result.get("exit"));
        assertEquals(new Date(1_700_000_000_000L), result.get("when"));
        assertArrayEquals(new Object[] {"a", "ü€", Integer.MIN_VALUE}, (Object[]) result.get("lines"));
        assertEquals(new MinionError("fault", 104, "forbidden"), read.minions().get(1).error());
        assertEquals(MinionState.RUNNING, read.minions().get(2).state());

        Instant later = Instant.ofEpochMilli(1_796_291_200_000L);
        store().update(id, List.of(MinionJob.finished("web3", "m-3", "up 3 days", later)), true);
        Job after = store().get(id).orElseThrow();
        assertEquals(JobState.FINISHED, after.state());
        assertEquals("up 3 days", after.minions().get(2).result());
        assertEquals(result.keySet(), ((Map<?, ?>) after.minions().get(0).result()).keySet());
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

        Job read = new MapDbJobStore(dir.resolve("overlord/jobs.db"), Duration.ofSeconds(5)).get(job.id()).orElseThrow();
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
        MapDbJobStore store = store();
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
        MapDbJobStore store = store();
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
        MapDbJobStore store = store();
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
        MapDbJobStore store = store();
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
        MapDbJobStore store = store();
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

    @Test
    void aCorruptedFileIsRefusedAndLeftAsItWas() throws Exception {
        Path file = dir.resolve("overlord/jobs.db");
        Files.createDirectories(file.getParent());
        byte[] garbage = new byte[64 * 1024];
        new java.util.Random(7).nextBytes(garbage);
        Files.write(file, garbage);
        JobStoreException e = assertThrows(JobStoreException.class, () -> store().list(null, null, 10));
        assertEquals(JobStoreException.Reason.CORRUPT, e.reason());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertArrayEquals(garbage, Files.readAllBytes(file));
    }

    @Test
    void aTruncatedStoreIsRefused() throws Exception {
        MapDbJobStore store = store();
        store.create(newJob("a"));
        byte[] whole = Files.readAllBytes(store.file());
        byte[] half = java.util.Arrays.copyOf(whole, 100);
        Files.write(store.file(), half);
        JobStoreException e = assertThrows(JobStoreException.class, () -> store.list(null, null, 10));
        assertEquals(JobStoreException.Reason.CORRUPT, e.reason(), e::toString);
        assertArrayEquals(half, Files.readAllBytes(store.file()));
    }

    @Test
    void aStoreDamagedInsideIsRefusedAndLeftAsItWas() throws Exception {
        MapDbJobStore store = store();
        Job job = newJob("a", "b");
        store.create(job);
        byte[] bytes = Files.readAllBytes(store.file());
        byte[] noise = new byte[8192];
        new java.util.Random(3).nextBytes(noise);
        System.arraycopy(noise, 0, bytes, 16, noise.length);
        Files.write(store.file(), bytes);
        JobStoreException e = assertThrows(JobStoreException.class, () -> store.get(job.id()));
        assertEquals(JobStoreException.Reason.CORRUPT, e.reason(), e::toString);
        assertArrayEquals(bytes, Files.readAllBytes(store.file()));
    }

    @Test
    void aStoreFromANewerVersionIsRefusedAndLeftAsItWas() throws Exception {
        MapDbJobStore store = store();
        Job job = newJob("a");
        store.create(job);
        DB db = DBMaker.fileDB(store.file().toFile()).transactionEnable().make();
        BTreeMap<String, String> meta = db.treeMap("meta", Serializer.STRING, Serializer.STRING).open();
        meta.put("format", "2");
        db.commit();
        db.close();
        byte[] before = Files.readAllBytes(store.file());
        JobStoreException e = assertThrows(JobStoreException.class, () -> store.get(job.id()));
        assertEquals(JobStoreException.Reason.NEWER_VERSION, e.reason());
        assertTrue(e.getMessage().contains(store.file().toString()) && e.getMessage().contains("newer"), e.getMessage());
        assertThrows(JobStoreException.class, () -> store.create(newJob("b")));
        assertArrayEquals(before, Files.readAllBytes(store.file()));
    }

    @Test
    void aForeignMapDbFileIsRefused() {
        File file = dir.resolve("jobs.db").toFile();
        DB db = DBMaker.fileDB(file).transactionEnable().make();
        db.treeMap("other", Serializer.STRING, Serializer.STRING).create().put("k", "v");
        db.commit();
        db.close();
        JobStoreException e = assertThrows(JobStoreException.class,
                () -> new MapDbJobStore(file.toPath(), Duration.ofSeconds(1)).list(null, null, 1));
        assertEquals(JobStoreException.Reason.CORRUPT, e.reason());
        assertTrue(e.getMessage().contains("not a jfunc job store"), e.getMessage());
    }

    @Test
    void aRecordFromANewerVersionIsRefused() {
        byte[] record = RecordCodec.encodeMinion(MinionJob.running("a", "1", Instant.now()));
        record[0] = (byte) (RecordCodec.VERSION + 1);
        RecordCodec.FormatException e = assertThrows(RecordCodec.FormatException.class, () -> RecordCodec.decodeMinion(record));
        assertTrue(e.newer);
        byte[] cut = java.util.Arrays.copyOf(RecordCodec.encodeMinion(MinionJob.running("a", "1", Instant.now())), 9);
        assertThrows(RecordCodec.FormatException.class, () -> RecordCodec.decodeMinion(cut));
    }

    static List<String> idsOf(List<JobSummary> summaries) {
        return summaries.stream().map(JobSummary::id).toList();
    }
}
