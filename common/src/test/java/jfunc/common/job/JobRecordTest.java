package jfunc.common.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The job record as minion and overlord exchange it, and the one on-disk value encoding. */
class JobRecordTest {
    private static final String ID = "20261203-094500-000-7f3a9c01-5be0c2d94a17e3f8";

    @Test
    void whatTheMinionSendsIsWhatTheOverlordReads() {
        JobRecord queued = JobRecord.queued(ID, "command.run", "['uptime']", 1_796_291_100_000L, "J/web1", "overlord");
        JobRecord finished = queued.running(1_796_291_100_100L).finished(Map.of("exit", 0), 1_796_291_100_200L);
        JobRecord back = JobRecord.fromWire(finished.toWire(true));
        assertEquals(new JobRecord(ID, "command.run", "['uptime']", JobState.FINISHED, Map.of("exit", 0), 0, null, null,
                1_796_291_100_000L, 1_796_291_100_100L, 1_796_291_100_200L, "J/web1", null), back);
        assertEquals("", JobRecord.fromWire(finished.toWire(false)).result());

        JobRecord failed = JobRecord.fromWire(queued.running(2).failed(105, "boom", 3).toWire(true));
        assertEquals(JobState.FAILED, failed.state());
        assertEquals(105, failed.faultCode());
        assertEquals("boom", failed.faultString());
        assertEquals("gone", JobRecord.fromWire(queued.lost("gone", 3).toWire(true)).reason());
        assertNull(JobRecord.unknownReason(finished.toWire(true)));
        assertEquals("no job X", JobRecord.unknownReason(JobRecord.unknownToWire("X", "no job X")));
    }

    @Test
    void aMalformedRecordIsRefusedSayingWhy() {
        assertEquals("unknown job state 'DONE'", assertThrows(IllegalArgumentException.class,
                () -> JobRecord.fromWire(Map.of("id", ID, "state", "DONE"))).getMessage());
        assertEquals("a job record was expected, got 42",
                assertThrows(IllegalArgumentException.class, () -> JobRecord.fromWire(42)).getMessage());
        assertEquals("job record member started is not an ISO time: 'soon'", assertThrows(IllegalArgumentException.class,
                () -> JobRecord.fromWire(Map.of("state", "RUNNING", "started", "soon"))).getMessage());
    }

    @Test
    void requestIdsStayWithinTheMinionsLimit() {
        assertEquals("J/web1", JobProtocol.requestId("J", "web1"));
        String longName = "m".repeat(300);
        String id = JobProtocol.requestId(ID, longName);
        assertEquals(true, JobProtocol.isValidRequestId(id));
        assertEquals(id, JobProtocol.requestId(ID, longName));
        assertEquals(false, JobProtocol.isValidRequestId(" "));
        assertEquals(false, JobProtocol.isValidRequestId("x".repeat(JobProtocol.MAX_REQUEST_ID + 1)));
        assertEquals(List.of("jobs.cancel", "jobs.list", "jobs.status", "jobs.status_many", "jobs.submit", "jobs.wait"),
                JobProtocol.METHODS);
    }

    @Test
    void aCancelledRecordAndTheCancelReplyCarryWhoAndWhen() {
        JobRecord running = JobRecord.queued(ID, "command.run", "['sleep 9']", 1000, null, "overlord").running(2000);
        JobRecord cancelled = running.cancelled("ops.example.org", 3000);
        assertEquals(true, cancelled.state().isTerminal());
        Map<String, Object> wire = cancelled.toWire(true);
        assertEquals("CANCELLED", wire.get("state"));
        assertEquals("ops.example.org", wire.get("cancelled_by"));
        assertEquals("cancelled by ops.example.org at 1970-01-01T00:00:03.000Z", wire.get("reason"));
        assertEquals("1970-01-01T00:00:03.000Z", wire.get("finished"));
        JobRecord back = JobRecord.fromWire(wire);
        assertEquals("ops.example.org", back.cancelledBy());
        assertEquals(3000, back.finished());

        CancelReply now = CancelReply.of(cancelled, true);
        assertEquals(now, CancelReply.fromWire(now.toWire()));
        assertEquals(Map.of("id", ID, "cancelled", true, "state", "CANCELLED", "cancelled_by", "ops.example.org",
                "message", "job " + ID + " cancelled by ops.example.org at 1970-01-01T00:00:03.000Z"), now.toWire());
        CancelReply ended = CancelReply.of(running.finished("ok", 2500), false);
        assertEquals("job " + ID + " already ended FINISHED at 1970-01-01T00:00:02.500Z; nothing changed", ended.message());
        assertNull(ended.toWire().get("cancelled_by"));
        assertThrows(IllegalArgumentException.class, () -> CancelReply.fromWire(Map.of("id", ID)));
    }

    @Test
    void wireValuesRoundTripOnDiskAndDamageIsNamed() {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("exit", Integer.MIN_VALUE);
        v.put("ok", false);
        v.put("ratio", -0.5);
        v.put("raw", new byte[] {0, (byte) 0xff});
        v.put("when", new Date(-1000));
        v.put("big", 5_000_000_000L);
        v.put("lines", List.of("ü€", Integer.MAX_VALUE));
        byte[] bytes = new RecordBytes.Writer().str("x").optStr(null).value(v).toByteArray();
        RecordBytes.Reader in = new RecordBytes.Reader(bytes);
        assertEquals("x", in.str());
        assertNull(in.optStr());
        @SuppressWarnings("unchecked")
        Map<String, Object> back = (Map<String, Object>) in.value();
        in.end();
        assertEquals(Integer.MIN_VALUE, back.get("exit"));
        assertEquals(false, back.get("ok"));
        assertEquals(-0.5, back.get("ratio"));
        assertArrayEquals(new byte[] {0, (byte) 0xff}, (byte[]) back.get("raw"));
        assertEquals(new Date(-1000), back.get("when"));
        assertEquals("5000000000", back.get("big"));
        assertArrayEquals(new Object[] {"ü€", Integer.MAX_VALUE}, (Object[]) back.get("lines"));

        assertEquals("length 5 beyond the record", assertThrows(IllegalArgumentException.class,
                () -> new RecordBytes.Reader(new byte[] {'S', 5, 'a'}).value()).getMessage());
        assertEquals("record cut short", assertThrows(IllegalArgumentException.class,
                () -> new RecordBytes.Reader(new byte[] {'D', 1, 2}).value()).getMessage());
        assertEquals("unknown value tag 63", assertThrows(IllegalArgumentException.class,
                () -> new RecordBytes.Reader(new byte[] {'?'}).value()).getMessage());
        Object deep = "leaf";
        for (int i = 0; i <= RecordBytes.MAX_DEPTH; i++) {
            deep = new Object[] {deep};
        }
        Object tooDeep = deep;
        assertEquals("value nested deeper than " + RecordBytes.MAX_DEPTH, assertThrows(IllegalArgumentException.class,
                () -> RecordBytes.sizeOf(tooDeep)).getMessage());
    }
}
