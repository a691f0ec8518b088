package jfunc.minion.jobs;

import jfunc.common.job.JobRecord;
import jfunc.common.job.JobState;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import jfunc.common.Ids;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The status file on real files: records, restart recovery, corruption, locking, purge. */
class StatusFileTest {
    static final Duration COMMIT = Duration.ofMillis(20);

    @TempDir
    Path dir;

    static JobRecord record(String id, JobState state, long t) {
        JobRecord q = JobRecord.queued(id, "command.run", "[\"uptime\"]", t, null, "overlord");
        return switch (state) {
            case QUEUED -> q;
            case RUNNING -> q.running(t + 1);
            case FINISHED -> q.running(t + 1).finished("up 3 days", t + 2);
            case FAILED -> q.running(t + 1).failed(105, "boom", t + 2);
            case LOST -> q.lost("gone", t + 2);
            case CANCELLED -> q.running(t + 1).cancelled("overlord", t + 2);
        };
    }

    @Test
    void recordsRoundTripThroughTheCodecIncludingNestedResults() {
        Map<String, Object> nested = new LinkedHashMap<>();
        nested.put("exit", -3);
        nested.put("ok", true);
        nested.put("ratio", 0.25);
        nested.put("raw", new byte[] {0, 1, (byte) 0xff});
        nested.put("lines", new Object[] {"a", "ü€", Integer.MIN_VALUE, Integer.MAX_VALUE, new Object[0]});
        JobRecord r = new JobRecord(Ids.next(), "m.x", "[]", JobState.FINISHED, nested, 0, null, null,
                1, 2, 3, "req", "web1");
        JobRecord back = JobCodec.decode(JobCodec.encode(r));
        assertEquals(r.id(), back.id());
        assertEquals("req", back.requestId());
        assertEquals("web1", back.caller());
        assertEquals(3, back.finished());
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) back.result();
        assertEquals(-3, m.get("exit"));
        assertEquals(true, m.get("ok"));
        assertEquals(0.25, m.get("ratio"));
        assertArrayEquals(new byte[] {0, 1, (byte) 0xff}, (byte[]) m.get("raw"));
        Object[] lines = (Object[]) m.get("lines");
        assertEquals("ü€", lines[1]);
        assertEquals(Integer.MIN_VALUE, lines[2]);
        assertEquals(Integer.MAX_VALUE, lines[3]);
        assertThrows(JobCodec.UnreadableRecordException.class, () -> JobCodec.decode(new byte[] {1, 5, 'a'}));
        assertThrows(JobCodec.UnreadableRecordException.class, () -> JobCodec.decode(new byte[] {9}));
    }

    @Test
    void recordsOfTheFirstFormatStayReadable() {
        // version 1 as jfuncd wrote it before callers were kept: id, method, args, state 'F',
        // fault code 0, no fault string, no reason, times 1 2 3, request id "req", result 'T'
        JobRecord r = JobCodec.decode(byHand(1, new byte[] {'F', 0, 0, 0, 1, 2, 3, 1, 3, 'r', 'e', 'q', 'T'}));
        assertEquals("20261123-013045-123-7f3a9c01", r.id());
        assertEquals(JobState.FINISHED, r.state());
        assertEquals(true, r.result());
        assertEquals("req", r.requestId());
        assertNull(r.caller(), "older records name no caller");
        assertEquals(3, r.finished());
    }

    /** A record of {@code version} written byte by byte: id, method "test.ping", args "[]", then {@code rest}. */
    private static byte[] byHand(int version, byte[] rest) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(version);
        for (String s : List.of("20261123-013045-123-7f3a9c01", "test.ping", "[]")) {
            out.write(s.length());
            out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        }
        out.writeBytes(rest);
        return out.toByteArray();
    }

    @Test
    void recordsOfTheSecondFormatStayReadableAndCancelledRecordsRoundTrip() {
        // version 2 as jfuncd wrote it before CANCELLED: as version 1 plus caller "web1" after the request id
        JobRecord r = JobCodec.decode(byHand(2,
                new byte[] {'F', 0, 0, 0, 1, 2, 3, 1, 3, 'r', 'e', 'q', 1, 4, 'w', 'e', 'b', '1', 'T'}));
        assertEquals(JobState.FINISHED, r.state());
        assertEquals("web1", r.caller());
        assertNull(r.cancelledBy());

        JobRecord cancelled = record(Ids.next(), JobState.CANCELLED, 10);
        JobRecord back = JobCodec.decode(JobCodec.encode(cancelled));
        assertEquals(cancelled, back);
        assertEquals("overlord", back.cancelledBy());
        assertEquals(12, back.finished());
    }

    @Test
    void argumentSummariesAreBounded() {
        assertEquals("[\"uptime\", 30, <3 bytes>]", ArgsSummary.of(List.of("uptime", 30, new byte[3])));
        String big = ArgsSummary.of(List.of("y".repeat(100_000)));
        assertTrue(big.length() <= ArgsSummary.MAX_CHARS, "length " + big.length());
        assertTrue(big.endsWith("more chars)"), big);
    }

    @Test
    void restartMarksQueuedAndRunningJobsLostWithAReasonAndKeepsEndedOnes() throws Exception {
        Path file = dir.resolve("status.db");
        long t = System.currentTimeMillis();
        String running = Ids.next();
        String queued = Ids.next();
        String finished = Ids.next();
        try (StatusFile s = StatusFile.open(file, COMMIT, Clock.systemUTC())) {
            s.put(record(running, JobState.RUNNING, t));
            s.put(record(queued, JobState.QUEUED, t));
            s.put(record(finished, JobState.FINISHED, t));
            s.durable().get(10, TimeUnit.SECONDS);
        } // closing the file alone marks nothing: this is what a crashed minion leaves
        try (StatusFile s = StatusFile.open(file, COMMIT, Clock.systemUTC())) {
            assertEquals(2, s.markedLost());
            JobRecord r = s.get(running);
            assertEquals(JobState.LOST, r.state());
            assertTrue(r.reason().startsWith("minion restarted while the job was running (started "), r.reason());
            assertEquals(JobState.LOST, s.get(queued).state());
            assertTrue(s.get(queued).reason().contains("submitted"));
            assertEquals(JobState.FINISHED, s.get(finished).state());
            assertEquals("up 3 days", s.get(finished).result());
            assertNull(s.recoveryNotice());
        }
    }

    @Test
    void aCorruptedFileIsMovedAsideAndAFreshOneStartedAndTheLogSaysSo() throws Exception {
        Path file = dir.resolve("status.db");
        byte[] garbage = new byte[64 * 1024];
        new java.util.Random(7).nextBytes(garbage);
        Files.write(file, garbage);
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        StatusFile s;
        try {
            s = StatusFile.open(file, COMMIT, Clock.systemUTC());
        } finally {
            System.setErr(err);
        }
        try (s) {
            String log = captured.toString(StandardCharsets.UTF_8);
            assertTrue(log.contains("ERROR") && log.contains(file.toString()), log);
            assertTrue(log.contains("started a fresh one"), log);
            assertNotNull(s.recoveryNotice());
            assertTrue(s.recoveryNotice().contains(file.toString()));
            try (var list = Files.list(dir)) {
                Path aside = list.filter(p -> p.getFileName().toString().startsWith("status.db.corrupt-"))
                        .findFirst().orElseThrow();
                assertArrayEquals(garbage, Files.readAllBytes(aside));
            }
            String id = Ids.next();
            s.put(record(id, JobState.FINISHED, System.currentTimeMillis()));
            assertEquals(JobState.FINISHED, s.get(id).state());
        }
    }

    /** Issue 15, finding 6: running out of memory says nothing about the file. */
    @Test
    void anOutOfMemoryErrorAtOpenLeavesTheFileInPlaceAndIsReported() throws Exception {
        Path file = dir.resolve("status.db");
        String id = Ids.next();
        try (StatusFile s = StatusFile.open(file, COMMIT, Clock.systemUTC())) {
            s.put(record(id, JobState.FINISHED, 1));
        }
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            OutOfMemoryError oom = assertThrows(OutOfMemoryError.class, () -> StatusFile.open(file, COMMIT,
                    Clock.systemUTC(), f -> {
                        StatusFile.make(f).close();
                        throw new OutOfMemoryError("Java heap space (simulated)");
                    }));
            assertEquals("Java heap space (simulated)", oom.getMessage());
        } finally {
            System.setErr(err);
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        assertTrue(log.contains("ERROR") && log.contains("OutOfMemoryError") && log.contains("left as it is"), log);
        try (var list = Files.list(dir)) {
            assertTrue(list.noneMatch(p -> p.getFileName().toString().contains(".corrupt-")), "nothing moved aside");
        }
        try (StatusFile s = StatusFile.open(file, COMMIT, Clock.systemUTC())) {
            assertNull(s.recoveryNotice());
            assertEquals(JobState.FINISHED, s.get(id).state(), "every job on record is still known");
        }
    }

    @Test
    void aFileOfANewerFormatIsRefusedAndKept() throws Exception {
        Path file = dir.resolve("status.db");
        try (org.mapdb.DB db = StatusFile.make(file)) {
            db.hashMap("meta", org.mapdb.Serializer.STRING, org.mapdb.Serializer.STRING).createOrOpen().put("format", "9");
            db.commit();
        }
        StatusFile.StatusFileException e = assertThrows(StatusFile.StatusFileException.class,
                () -> StatusFile.open(file, COMMIT, Clock.systemUTC()));
        assertTrue(e.getMessage().contains("format 9"), e.getMessage());
        try (var list = Files.list(dir)) {
            assertTrue(list.noneMatch(p -> p.getFileName().toString().contains(".corrupt-")), "nothing moved aside");
        }
    }

    @Test
    void anUnreadableRecordCountsAsACorruptedFile() throws Exception {
        Path file = dir.resolve("status.db");
        try (StatusFile s = StatusFile.open(file, COMMIT, Clock.systemUTC())) {
            s.put(record(Ids.next(), JobState.FINISHED, 1));
        }
        // write a damaged record under a job id through MapDB itself
        try (org.mapdb.DB db = org.mapdb.DBMaker.fileDB(file.toFile()).transactionEnable().make()) {
            db.treeMap("jobs", org.mapdb.Serializer.STRING, org.mapdb.Serializer.BYTE_ARRAY)
                    .valuesOutsideNodesEnable().createOrOpen().put(Ids.next(), new byte[] {1, 2, 3});
            db.commit();
        }
        try (StatusFile s = StatusFile.open(file, COMMIT, Clock.systemUTC())) {
            assertNotNull(s.recoveryNotice());
            assertEquals(0, s.size());
        }
    }

    @Test
    void aSecondOpenOfTheSameFileIsAClearError() throws Exception {
        Path file = dir.resolve("status.db");
        try (StatusFile s = StatusFile.open(file, COMMIT, Clock.systemUTC())) {
            StatusFile.StatusFileException e = assertThrows(StatusFile.StatusFileException.class,
                    () -> StatusFile.open(file, COMMIT, Clock.systemUTC()));
            assertTrue(e.getMessage().contains("in use"), e.getMessage());
            assertTrue(Files.exists(file), "a locked file is never moved aside");
        }
    }

    @Test
    void purgeRemovesEndedJobsOlderThanTheCutoffAndTheirRequestIds() throws Exception {
        Path file = dir.resolve("status.db");
        long now = System.currentTimeMillis();
        try (StatusFile s = StatusFile.open(file, COMMIT, Clock.systemUTC())) {
            String old = Ids.next();
            assertNull(s.putNew(new JobRecord(old, "test.ping", "[]", JobState.FINISHED, true, 0, null, null, now, now,
                    now, "r1", "overlord")));
            assertEquals(old, s.putNew(JobRecord.queued(Ids.next(), "test.ping", "[]", now, "r1", "overlord")),
                    "r1 is taken");
            assertNull(s.putNew(JobRecord.queued(Ids.next(), "test.ping", "[]", now, "r1", "web1")),
                    "another caller's r1 is another claim");
            String running = Ids.next();
            s.put(record(running, JobState.RUNNING, now));
            s.durable().get(10, TimeUnit.SECONDS);
            assertEquals(old, s.jobOfRequest(JobRecord.claimKey("overlord", "r1")));
            assertEquals(1, s.purge(now + 1000));
            assertNull(s.get(old));
            assertNull(s.jobOfRequest(JobRecord.claimKey("overlord", "r1")));
            assertEquals(JobState.RUNNING, s.get(running).state(), "a running job is never purged");
            assertEquals(old, s.purgedThrough());
        }
    }

    @Test
    void jobsPurgesAtOpenAndAnswersPurgedIdsWithTheRetentionReason() throws Exception {
        Path file = dir.resolve("status.db");
        TestCalls calls = new TestCalls();
        JobLimits limits = JobLimits.from(jfunc.common.Config.of(Map.of()), TestCalls.MODULES);
        String id;
        try (Jobs jobs = Jobs.open(file, limits, calls, Clock.systemUTC())) {
            id = (String) jobs.call(jfunc.common.job.JobCall.parse("async.test.ping", List.of()), jfunc.minion.CallContext.trusted("overlord"));
            jobs.call(jfunc.common.job.JobCall.parse("jobs.wait", List.of(id, 30)), jfunc.minion.CallContext.trusted("overlord"));
        }
        Clock eightDaysLater = Clock.fixed(Instant.now().plus(Duration.ofDays(8)), ZoneOffset.UTC);
        try (Jobs jobs = Jobs.open(file, limits, calls, eightDaysLater)) {
            org.apache.xmlrpc.XmlRpcException e = assertThrows(org.apache.xmlrpc.XmlRpcException.class,
                    () -> jobs.call(jfunc.common.job.JobCall.parse("jobs.status", List.of(id)), jfunc.minion.CallContext.trusted("overlord")));
            assertEquals(jfunc.common.Faults.UNKNOWN_JOB, e.code);
            assertTrue(e.getMessage().contains("purged"), e.getMessage());
        }
    }
}
