package jfunc.minion.jobs;

import jfunc.minion.testing.TestMinion;
import static jfunc.minion.jobs.JobTimeoutTest.isDead;
import static jfunc.minion.jobs.JobTimeoutTest.ours;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import jfunc.common.Faults;
import jfunc.common.Ids;
import jfunc.common.job.CancelReply;
import jfunc.common.job.JobRecord;
import jfunc.common.job.JobState;
import jfunc.common.rpc.RpcClient;
import jfunc.common.testing.TestPki;
import org.apache.xmlrpc.XmlRpcException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** jobs.cancel against a real minion over mutual TLS, with real processes where a process matters. */
class JobCancelTest {
    @TempDir
    Path dir;

    @Test
    void cancellingARunningCommandKillsItsProcessTreeAndRecordsWhoAndWhen() throws Exception {
        TestPki pki = new TestPki();
        String id;
        try (TestMinion minion = JobTestModules.minion(pki, dir, Map.of(), List.of())) {
            id = (String) minion.call("async.command.run", "sleep 579 & sleep 579; wait");
            List<ProcessHandle> sleeps = List.of();
            for (int i = 0; i < 500 && sleeps.size() < 2; i++) {
                Thread.sleep(10); // until the shell started both sleeps
                sleeps = ours("579");
            }
            assertEquals(2, sleeps.size(), "the job's shell started two sleep processes");
            Instant before = Instant.now();
            CancelReply reply = CancelReply.fromWire(minion.call("jobs.cancel", id));
            assertTrue(reply.cancelled(), reply.toString());
            assertEquals(JobState.CANCELLED, reply.state());
            assertEquals("overlord", reply.cancelledBy());
            assertTrue(reply.message().contains("cancelled by overlord"), reply.message());
            for (ProcessHandle p : sleeps) {
                assertTrue(isDead(p.pid()), "sleep " + p.pid() + " was killed");
            }
            Map<String, Object> r = minion.record("jobs.status", id);
            assertEquals("CANCELLED", r.get("state"));
            assertEquals("overlord", r.get("cancelled_by"));
            assertTrue(((String) r.get("reason")).startsWith("cancelled by overlord at "), r.toString());
            Instant when = Instant.parse((String) r.get("finished"));
            assertFalse(when.isBefore(before.minusMillis(1)), "finished is when it was cancelled: " + when);
            assertFalse(r.containsKey("result"), "a killed command leaves no result: " + r);
            assertEquals("CANCELLED", minion.record("jobs.wait", id, 5).get("state"));
            // the killed call's own ending changes nothing afterwards
            Thread.sleep(200);
            assertEquals("CANCELLED", minion.record("jobs.status", id).get("state"));
            assertEquals(true, minion.call("test.ping"));
        }
        try (TestMinion again = JobTestModules.minion(pki, dir, Map.of(), List.of())) {
            JobRecord kept = JobRecord.fromWire(again.call("jobs.status", id));
            assertEquals(JobState.CANCELLED, kept.state(), "the status file keeps CANCELLED across a restart");
            assertEquals("overlord", kept.cancelledBy());
        }
    }

    @Test
    void aQueuedJobLeavesTheQueueAndNeverRuns() throws Exception {
        JobTestModules.Gate gate = new JobTestModules.Gate();
        try (TestMinion minion = JobTestModules.minion(new TestPki(), dir,
                Map.of("jobs.max_concurrent.gate", "1", "jobs.max_queued", "1"), List.of(gate))) {
            gate.entered = new CountDownLatch(1);
            String running = (String) minion.call("async.gate.pass");
            assertTrue(gate.entered.await(30, TimeUnit.SECONDS));
            String queued = (String) minion.call("async.gate.pass");
            XmlRpcException full = assertThrows(XmlRpcException.class, () -> minion.call("async.gate.pass"));
            assertEquals(Faults.UNAVAILABLE, full.code, "one running and one queued fill the gate pool");

            CancelReply reply = CancelReply.fromWire(minion.call("jobs.cancel", queued));
            assertTrue(reply.cancelled());
            Map<String, Object> r = minion.record("jobs.status", queued);
            assertEquals("CANCELLED", r.get("state"));
            assertTrue(((String) r.get("reason")).endsWith("while queued"), r.toString());
            assertNull(r.get("started"), "it never started");

            // its place in the queue is free again at once
            gate.entered = new CountDownLatch(1);
            String next = (String) minion.call("async.gate.pass");
            gate.permits.release(2);
            assertEquals("FINISHED", minion.record("jobs.wait", running, 30).get("state"));
            assertEquals("FINISHED", minion.record("jobs.wait", next, 30).get("state"));
            assertEquals("CANCELLED", minion.record("jobs.status", queued).get("state"));
            assertEquals(0, gate.entered.getCount(), "the next job ran");
            assertEquals(0, gate.permits.availablePermits());
        }
    }

    @Test
    void cancellingAJobThatEndedChangesNothingAndSaysSo() throws Exception {
        JobTestModules.Gate gate = new JobTestModules.Gate();
        try (TestMinion minion = JobTestModules.minion(new TestPki(), dir, Map.of(), List.of(gate))) {
            String done = (String) minion.call("async.test.echo", "kept");
            assertEquals("FINISHED", minion.record("jobs.wait", done, 30).get("state"));
            Map<String, Object> before = minion.record("jobs.status", done);
            CancelReply late = CancelReply.fromWire(minion.call("jobs.cancel", done));
            assertFalse(late.cancelled());
            assertEquals(JobState.FINISHED, late.state());
            assertTrue(late.message().contains("already ended FINISHED") && late.message().contains("nothing changed"),
                    late.message());
            assertEquals(before, minion.record("jobs.status", done));

            gate.entered = new CountDownLatch(1);
            String held = (String) minion.call("async.gate.pass");
            assertTrue(gate.entered.await(30, TimeUnit.SECONDS));
            assertTrue(CancelReply.fromWire(minion.call("jobs.cancel", held)).cancelled());
            CancelReply twice = CancelReply.fromWire(minion.call("jobs.cancel", held));
            assertFalse(twice.cancelled());
            assertEquals(JobState.CANCELLED, twice.state());
            assertEquals("overlord", twice.cancelledBy());
            assertTrue(twice.message().contains("was already cancelled by overlord"), twice.message());
        }
    }

    @Test
    void unknownMalformedAndForeignIdsAreClearFaults() throws Exception {
        try (TestMinion minion = JobTestModules.minion(new TestPki(), dir, Map.of(), List.of())) {
            XmlRpcException unknown = assertThrows(XmlRpcException.class, () -> minion.call("jobs.cancel", Ids.next()));
            assertEquals(Faults.UNKNOWN_JOB, unknown.code);
            assertTrue(unknown.getMessage().contains("no job "), unknown.getMessage());
            XmlRpcException malformed = assertThrows(XmlRpcException.class, () -> minion.call("jobs.cancel", "x/../y"));
            assertEquals(Faults.BAD_ARGUMENTS, malformed.code);
            assertTrue(malformed.getMessage().contains("malformed job id"), malformed.getMessage());
            assertEquals(Faults.BAD_ARGUMENTS, assertThrows(XmlRpcException.class, () -> minion.call("jobs.cancel")).code);
            assertEquals(Faults.BAD_ARGUMENTS,
                    assertThrows(XmlRpcException.class, () -> minion.call("jobs.cancel", 7)).code);
        }
    }

    @Test
    void cancelNeedsAGrantThatNamesItAndReachesOnlyTheCallersOwnJobs() throws Exception {
        TestPki pki = new TestPki();
        JobTestModules.Gate gate = new JobTestModules.Gate();
        try (TestMinion minion = JobTestModules.minion(pki, dir, Map.of(), List.of(gate))) {
            RpcClient mallory = client(pki, "mallory.example.org"); // jobs.*, async.test.*
            RpcClient canceller = client(pki, "canceller.example.org"); // jobs.cancel, jobs.status, async.gate.*
            gate.entered = new CountDownLatch(2);
            String overlords = (String) minion.call("async.gate.pass");
            String own = (String) canceller.call(minion.endpoint, "async.gate.pass");
            assertTrue(gate.entered.await(30, TimeUnit.SECONDS));

            String malloryJob = (String) mallory.call(minion.endpoint, "async.test.echo", "m");
            XmlRpcException refused = assertThrows(XmlRpcException.class,
                    () -> mallory.call(minion.endpoint, "jobs.cancel", malloryJob));
            assertEquals(Faults.FORBIDDEN, refused.code, "jobs.* does not grant jobs.cancel: " + refused.getMessage());

            XmlRpcException foreign = assertThrows(XmlRpcException.class,
                    () -> canceller.call(minion.endpoint, "jobs.cancel", overlords));
            assertEquals(Faults.UNKNOWN_JOB, foreign.code, "another caller's job is unknown to it");
            assertEquals("RUNNING", minion.record("jobs.status", overlords).get("state"));

            CancelReply r = CancelReply.fromWire(canceller.call(minion.endpoint, "jobs.cancel", own));
            assertTrue(r.cancelled());
            assertEquals("canceller.example.org", r.cancelledBy());
            assertEquals("canceller.example.org", ((Map<?, ?>) canceller.call(minion.endpoint, "jobs.status", own))
                    .get("cancelled_by"));
            CancelReply mine = CancelReply.fromWire(minion.call("jobs.cancel", overlords));
            assertTrue(mine.cancelled());
            assertEquals("overlord", mine.cancelledBy());
        }
    }

    private static RpcClient client(TestPki pki, String name) {
        return new RpcClient(pki.context(pki.identity(name, jfunc.common.tls.CertIssuer.Usage.CLIENT)),
                java.time.Duration.ofSeconds(5), java.time.Duration.ofSeconds(30));
    }
}
