package jfunc.minion.jobs;

import jfunc.minion.testing.TestMinion;
import jfunc.common.job.JobRecord;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import jfunc.common.Faults;
import jfunc.common.Ids;
import jfunc.common.testing.TestPki;
import org.apache.xmlrpc.XmlRpcException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** async.* and jobs.* through a real client over mutual TLS against a real server. */
class JobsRpcTest {
    @TempDir
    static Path dir;
    static TestPki pki;
    static JobTestModules.Gate gate = new JobTestModules.Gate();
    static JobTestModules.Work work = new JobTestModules.Work();
    static TestMinion minion;

    @BeforeAll
    static void start() throws Exception {
        pki = new TestPki();
        minion = JobTestModules.minion(pki, dir, Map.of(
                "jobs.max_concurrent.gate", "2", "jobs.max_queued", "3000", "jobs.max_result_bytes", "1000"),
                List.of(gate, work));
    }

    @AfterAll
    static void stop() {
        minion.close();
    }

    static Map<String, Object> waitFor(String id) throws XmlRpcException {
        return minion.record("jobs.wait", id, 30);
    }

    static Map<String, Object> waitDone(String id) throws Exception {
        for (int i = 0; i < 30; i++) {
            Map<String, Object> r = waitFor(id);
            if (!r.get("state").equals("RUNNING") && !r.get("state").equals("QUEUED")) {
                return r;
            }
        }
        throw new AssertionError("job " + id + " did not end");
    }

    @Test
    void asyncCallReturnsAnIdAtOnceAndTheResultLater() throws Exception {
        String id = (String) minion.call("async.test.echo", "hello");
        assertTrue(Ids.isValid(id), id);
        Map<String, Object> r = waitDone(id);
        assertEquals("FINISHED", r.get("state"));
        assertEquals("hello", r.get("result"));
        assertEquals("test.echo", r.get("method"));
        assertEquals("[\"hello\"]", r.get("args"));
        assertEquals(id, r.get("id"));
        for (String t : new String[] {"submitted", "started", "finished"}) {
            assertTrue(((String) r.get(t)).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"), t);
        }
        assertEquals(r, minion.record("jobs.status", id));
    }

    @Test
    void aFaultInTheCallIsAFailedJobWithItsCode() throws Exception {
        String id = (String) minion.call("async.jobtest.fail", Faults.MODULE_ERROR, "disk on fire");
        Map<String, Object> r = waitDone(id);
        assertEquals("FAILED", r.get("state"));
        assertEquals(Faults.MODULE_ERROR, r.get("fault_code"));
        assertEquals("disk on fire", r.get("fault_string"));
        assertFalse(r.containsKey("result"));
    }

    @Test
    void aResultAboveTheLimitIsNotKeptAndTheJobSaysSo() throws Exception {
        Map<String, Object> small = waitDone((String) minion.call("async.jobtest.big", 500));
        assertEquals("x".repeat(500), small.get("result"));
        Map<String, Object> big = waitDone((String) minion.call("async.jobtest.big", 5000));
        assertEquals("FAILED", big.get("state"));
        assertEquals(Faults.MODULE_ERROR, big.get("fault_code"));
        assertTrue(((String) big.get("fault_string")).contains("jobs.max_result_bytes"), big.toString());
    }

    @Test
    void longPollWakesWhenTheJobEnds() throws Exception {
        gate.entered = new CountDownLatch(1);
        String id = (String) minion.call("async.gate.pass");
        assertTrue(gate.entered.await(30, TimeUnit.SECONDS));
        assertEquals("RUNNING", minion.record("jobs.status", id).get("state"));
        CompletableFuture<Map<String, Object>> waiter = CompletableFuture.supplyAsync(() -> {
            try {
                return minion.record("jobs.wait", id, 120);
            } catch (XmlRpcException e) {
                throw new IllegalStateException(e);
            }
        });
        for (int i = 0; i < 300 && minion.jobs.waiting() == 0; i++) {
            Thread.sleep(10); // until the server holds the long poll
        }
        assertEquals(1, minion.jobs.waiting());
        assertFalse(waiter.isDone());
        gate.permits.release();
        Map<String, Object> r = waiter.get(60, TimeUnit.SECONDS); // well before the 120 s deadline
        assertEquals("FINISHED", r.get("state"));
        assertEquals("passed", r.get("result"));
    }

    @Test
    void waitSecondsAreClampedAndWaitersBounded(@TempDir Path own) throws Exception {
        JobTestModules.Gate mine = new JobTestModules.Gate();
        try (TestMinion small = JobTestModules.minion(pki, own, Map.of("jobs.max_wait", "1", "jobs.max_waiters", "1"),
                List.of(mine))) {
            mine.entered = new CountDownLatch(1);
            String id = (String) small.call("async.gate.pass");
            assertTrue(mine.entered.await(30, TimeUnit.SECONDS));
            long t0 = System.nanoTime();
            assertEquals("RUNNING", small.record("jobs.wait", id, -5).get("state"));     // negative: at once
            assertEquals("RUNNING", small.record("jobs.wait", id, 1.0e9).get("state"));  // huge: max_wait (1 s)
            assertEquals("RUNNING", small.record("jobs.wait", id, 0).get("state"));
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(30), "clamped waits returned");
            XmlRpcException word = assertThrows(XmlRpcException.class, () -> small.call("jobs.wait", id, "soon"));
            assertEquals(Faults.BAD_ARGUMENTS, word.code);
            // one waiter allowed: a second concurrent wait is refused, not queued behind the first
            CompletableFuture<Object> first = CompletableFuture.supplyAsync(() -> {
                try {
                    return small.call("jobs.wait", id, 1);
                } catch (XmlRpcException e) {
                    return e;
                }
            });
            for (int i = 0; i < 300 && small.jobs.waiting() == 0; i++) {
                Thread.sleep(5);
            }
            if (small.jobs.waiting() == 1) {
                XmlRpcException busy = assertThrows(XmlRpcException.class, () -> small.call("jobs.wait", id, 1));
                assertEquals(Faults.UNAVAILABLE, busy.code);
            }
            first.get(30, TimeUnit.SECONDS);
            mine.permits.release();
        }
    }

    @Test
    void perModuleLimitQueuesTheNextJobAndOtherModulesKeepRunning() throws Exception {
        gate.entered = new CountDownLatch(2);
        String a = (String) minion.call("async.gate.pass");
        String b = (String) minion.call("async.gate.pass");
        String c = (String) minion.call("async.gate.pass");
        assertTrue(gate.entered.await(30, TimeUnit.SECONDS));
        // two run (jobs.max_concurrent.gate = 2), the third waits
        assertEquals("RUNNING", minion.record("jobs.status", a).get("state"));
        assertEquals("RUNNING", minion.record("jobs.status", b).get("state"));
        assertEquals("QUEUED", minion.record("jobs.status", c).get("state"));
        // another module is not held up, and sync calls are answered
        assertEquals("FINISHED", waitDone((String) minion.call("async.test.ping")).get("state"));
        assertEquals(true, minion.call("test.ping"));
        gate.permits.release(3);
        for (String id : new String[] {a, b, c}) {
            assertEquals("FINISHED", waitDone(id).get("state"));
        }
    }

    @Test
    void jobsSubmitIsIdempotentPerRequestId() throws Exception {
        String first = (String) minion.call("jobs.submit", "req-idem-1", "jobtest.count", new Object[] {"once"});
        String again = (String) minion.call("jobs.submit", "req-idem-1", "jobtest.count", new Object[] {"once"});
        assertEquals(first, again);
        assertEquals("FINISHED", waitDone(first).get("state"));
        String third = (String) minion.call("jobs.submit", "req-idem-1", "jobtest.count", new Object[] {"once"});
        assertEquals(first, third);
        assertEquals("req-idem-1", minion.record("jobs.status", first).get("request_id"));
        assertEquals(1, work.runs("once"));
        String other = (String) minion.call("jobs.submit", "req-idem-2", "jobtest.count", new Object[] {"once"});
        assertNotEquals(first, other);
        waitDone(other);
        assertEquals(2, work.runs("once"));
    }

    @Test
    void badSubmissionsAreFaultsAndRecordNothing() throws Exception {
        int before = ((Object[]) minion.call("jobs.list")).length;
        assertFault(Faults.UNKNOWN_METHOD, "async.nope.nothing");
        assertFault(Faults.UNKNOWN_METHOD, "async.nope");
        assertFault(Faults.BAD_ARGUMENTS, "async.test.echo");                        // wrong arity
        assertFault(Faults.BAD_ARGUMENTS, "async.jobs.status", "x");
        assertFault(Faults.BAD_ARGUMENTS, "jobs.submit", "", "test.ping", new Object[0]);
        assertFault(Faults.BAD_ARGUMENTS, "jobs.submit", "r".repeat(201), "test.ping", new Object[0]);
        assertFault(Faults.BAD_ARGUMENTS, "jobs.submit", 7, "test.ping", new Object[0]);
        assertFault(Faults.BAD_ARGUMENTS, "jobs.submit", "r-bad", "test.ping", "not an array");
        assertFault(Faults.UNKNOWN_METHOD, "jobs.submit", "r-bad", "test.nothing", new Object[0]);
        assertFault(Faults.UNKNOWN_METHOD, "jobs.nothing");
        assertEquals(before, ((Object[]) minion.call("jobs.list")).length);
        // a rejected request_id was not claimed: it can be used for a good submission
        String id = (String) minion.call("jobs.submit", "r-bad", "test.ping", new Object[0]);
        assertEquals("FINISHED", waitDone(id).get("state"));
    }

    @Test
    void unknownMalformedAndPurgedIdsGetDistinctAnswers() throws Exception {
        assertFault(Faults.BAD_ARGUMENTS, "jobs.status", "not-an-id");
        assertFault(Faults.BAD_ARGUMENTS, "jobs.status", 42);
        assertFault(Faults.BAD_ARGUMENTS, "jobs.wait", "not-an-id", 1);
        XmlRpcException fresh = assertFault(Faults.UNKNOWN_JOB, "jobs.status", Ids.next());
        assertTrue(fresh.getMessage().contains("no job"), fresh.getMessage());
        XmlRpcException old = assertFault(Faults.UNKNOWN_JOB, "jobs.status", "20200101-000000-000-0000abcd");
        assertTrue(old.getMessage().contains("purged"), old.getMessage());
        assertFault(Faults.UNKNOWN_JOB, "jobs.wait", Ids.next(), 1);

        String known = (String) minion.call("async.test.ping");
        waitDone(known);
        String unknown = Ids.next();
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> many = (Map<String, Map<String, Object>>) minion.call("jobs.status_many",
                (Object) new Object[] {known, unknown, "bad id"});
        assertEquals("FINISHED", many.get(known).get("state"));
        assertEquals(true, many.get(known).get("result"));
        assertEquals("UNKNOWN", many.get(unknown).get("state"));
        assertTrue(((String) many.get(unknown).get("reason")).contains("no job"));
        assertEquals("UNKNOWN", many.get("bad id").get("state"));
        assertTrue(((String) many.get("bad id").get("reason")).contains("malformed"));
        assertFault(Faults.BAD_ARGUMENTS, "jobs.status_many", (Object) new Object[] {1, 2});
        assertFault(Faults.BAD_ARGUMENTS, "jobs.status_many", "one id");
    }

    @Test
    void listIsNewestFirstWithoutResultsAndHonoursSince() throws Exception {
        String a = (String) minion.call("async.test.echo", "list-a");
        waitDone(a);
        String b = (String) minion.call("async.test.echo", "list-b");
        waitDone(b);
        Object[] all = (Object[]) minion.call("jobs.list");
        @SuppressWarnings("unchecked")
        Map<String, Object> newest = (Map<String, Object>) all[0];
        assertEquals(b, newest.get("id"));
        assertFalse(newest.containsKey("result"));
        Object[] since = (Object[]) minion.call("jobs.list", a);
        assertEquals(1, since.length);
        assertEquals(b, ((Map<?, ?>) since[0]).get("id"));
        String t = JobRecord.iso(Ids.timeOf(a).toEpochMilli());
        assertTrue(((Object[]) minion.call("jobs.list", t)).length >= 2);
        assertFault(Faults.BAD_ARGUMENTS, "jobs.list", "yesterday");
    }

    @Test
    void syncCallsAndStatusQueriesAreAnsweredWhileThousandsOfJobsQueue() throws Exception {
        int n = 2000;
        Object[] batch = new Object[n];
        for (int i = 0; i < n; i++) {
            batch[i] = Map.of("methodName", "async.gate.pass", "params", new Object[0]);
        }
        gate.entered = new CountDownLatch(2);
        Object[] ids = new Object[n];
        for (int from = 0; from < n; from += 1000) {   // the dispatcher takes 1000 calls per multicall
            Object[] answers = (Object[]) minion.call("system.multicall",
                    (Object) java.util.Arrays.copyOfRange(batch, from, from + 1000));
            for (int i = 0; i < 1000; i++) {
                ids[from + i] = ((Object[]) answers[i])[0];
            }
        }
        assertTrue(gate.entered.await(30, TimeUnit.SECONDS));
        assertEquals(true, minion.call("test.ping"));
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> states = (Map<String, Map<String, Object>>) minion.call("jobs.status_many",
                (Object) ids);
        assertEquals(n, states.size());
        assertEquals(n - 2, states.values().stream().filter(r -> r.get("state").equals("QUEUED")).count());
        gate.permits.release(n);
        assertEquals("FINISHED", waitDone((String) ids[n - 1]).get("state"));
        for (int round = 0; round < 100; round++) {
            @SuppressWarnings("unchecked")
            Map<String, Map<String, Object>> now = (Map<String, Map<String, Object>>) minion.call("jobs.status_many",
                    (Object) ids);
            if (now.values().stream().allMatch(r -> r.get("state").equals("FINISHED"))) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("not all jobs finished");
    }

    @Test
    void submittingNeedsPermissionForTheAsyncMethodHoweverItIsSubmitted() throws Exception {
        jfunc.common.rpc.RpcClient monitor = new jfunc.common.rpc.RpcClient(
                pki.context(pki.identity("monitor.example.org", jfunc.common.tls.CertIssuer.Usage.CLIENT)),
                java.time.Duration.ofSeconds(5), java.time.Duration.ofSeconds(30));
        // the ACL grants monitor.example.org test.ping and jobs.*, but not async.test.ping
        XmlRpcException viaSubmit = assertThrows(XmlRpcException.class,
                () -> monitor.call(minion.endpoint, "jobs.submit", "mon-1", "test.ping", new Object[0]));
        assertEquals(Faults.FORBIDDEN, viaSubmit.code);
        XmlRpcException viaAsync = assertThrows(XmlRpcException.class,
                () -> monitor.call(minion.endpoint, "async.test.ping"));
        assertEquals(Faults.FORBIDDEN, viaAsync.code);
        String id = (String) minion.call("async.test.ping");
        waitDone(id);
        XmlRpcException notTheirs = assertThrows(XmlRpcException.class,
                () -> monitor.call(minion.endpoint, "jobs.status", id));
        assertEquals(Faults.UNKNOWN_JOB, notTheirs.code, "jobs.* shows a caller its own jobs only");
    }

    static jfunc.common.rpc.RpcClient clientOf(String name) throws Exception {
        return new jfunc.common.rpc.RpcClient(
                pki.context(pki.identity(name, jfunc.common.tls.CertIssuer.Usage.CLIENT)),
                java.time.Duration.ofSeconds(5), java.time.Duration.ofSeconds(30));
    }

    /**
     * Issue 15, finding 2: a certificate granted jobs.submit and async.test.* claims the request
     * id the overlord will send (JOBID/MINION) first. The overlord must still get its own job,
     * which runs its own method, and the claimer must not see that job at all.
     */
    @Test
    void aRequestIdClaimedFirstByAnotherCallerCannotTakeOverTheOverlordsJob() throws Exception {
        jfunc.common.rpc.RpcClient mallory = clientOf("mallory.example.org");
        String requestId = Ids.next() + "/" + TestMinion.NAME;
        String planted = (String) mallory.call(minion.endpoint, "jobs.submit", requestId, "test.echo",
                new Object[] {"all good"});
        String mine = (String) minion.call("jobs.submit", requestId, "test.echo", new Object[] {"the real work"});
        assertNotEquals(planted, mine, "the overlord's submission is its own job");
        Map<String, Object> r = waitDone(mine);
        assertEquals("FINISHED", r.get("state"));
        assertEquals("the real work", r.get("result"));
        assertEquals(requestId, r.get("request_id"));
        assertEquals(mine, minion.call("jobs.submit", requestId, "test.echo", new Object[] {"again"}),
                "the overlord's own repeat still finds its job");
        assertEquals(planted, mallory.call(minion.endpoint, "jobs.submit", requestId, "test.echo", new Object[] {"x"}));

        // the claimer cannot see or wait for the overlord's job, nor list it
        assertEquals(Faults.UNKNOWN_JOB, assertThrows(XmlRpcException.class,
                () -> mallory.call(minion.endpoint, "jobs.status", mine)).code);
        assertEquals(Faults.UNKNOWN_JOB, assertThrows(XmlRpcException.class,
                () -> mallory.call(minion.endpoint, "jobs.wait", mine, 1)).code);
        Map<?, ?> many = (Map<?, ?>) mallory.call(minion.endpoint, "jobs.status_many", (Object) new Object[] {mine, planted});
        assertEquals("UNKNOWN", ((Map<?, ?>) many.get(mine)).get("state"));
        assertEquals("FINISHED", ((Map<?, ?>) waitDoneAs(mallory, planted)).get("state"));
        Object[] listed = (Object[]) mallory.call(minion.endpoint, "jobs.list");
        assertEquals(1, listed.length, "jobs.list shows mallory only mallory's job");
        assertEquals(planted, ((Map<?, ?>) listed[0]).get("id"));
        // the overlord sees every job; the ACL right jobs:all lets another name see them too
        assertEquals("FINISHED", minion.record("jobs.status", planted).get("state"));
        jfunc.common.rpc.RpcClient auditor = clientOf("auditor.example.org");
        assertEquals("the real work", ((Map<?, ?>) auditor.call(minion.endpoint, "jobs.status", mine)).get("result"));
    }

    /** Issue 15, finding 7: env values reach the command but never the status file or jobs.list. */
    @Test
    void envValuesAndSecretMembersAreNotRecorded() throws Exception {
        Map<String, Object> options = Map.of("env", Map.of("PGPASSWORD", "hunter2-env"));
        String id = (String) minion.call("async.command.run", "test \"$PGPASSWORD\" = \"$(printf 'hunter%s' '2-env')\" && echo same", options);
        Map<String, Object> r = waitDone(id);
        assertEquals("same\n", ((Object[]) r.get("result"))[1], "the command got the value");
        String args = (String) r.get("args");
        assertTrue(args.contains("PGPASSWORD") && args.contains("<redacted>"), args);
        assertFalse(args.contains("hunter2"), args);
        for (Object o : (Object[]) minion.call("jobs.list")) {
            assertFalse(String.valueOf(o).contains("hunter2"), String.valueOf(o));
        }
        minion.call("jobs.status", id); // committed by now: the file holds the record
        try (var files = java.nio.file.Files.list(minion.statusFile.getParent())) {
            for (Path f : files.filter(java.nio.file.Files::isRegularFile).toList()) {
                String raw = new String(java.nio.file.Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1);
                assertFalse(raw.contains("hunter2"), f + " holds the secret");
            }
        }
        // any argument passed as a struct member named like a secret is recorded redacted too
        String echo = (String) minion.call("async.test.echo", Map.of("db_password", "hunter2-opt", "user", "bob"));
        String echoArgs = (String) waitDone(echo).get("args");
        assertEquals("[{db_password: \"<redacted>\", user: \"bob\"}]".length(), echoArgs.length(), echoArgs);
        assertTrue(echoArgs.contains("db_password: \"<redacted>\"") && echoArgs.contains("user: \"bob\""), echoArgs);
    }

    static Map<?, ?> waitDoneAs(jfunc.common.rpc.RpcClient client, String id) throws Exception {
        return (Map<?, ?>) client.call(minion.endpoint, "jobs.wait", id, 30);
    }

    @Test
    void jobsWaitIsRefusedInsideAMulticallAndTheOtherEntriesRun() throws Exception {
        String id = (String) minion.call("async.test.ping");
        Object[] answers = (Object[]) minion.call("system.multicall", (Object) new Object[] {
                Map.of("methodName", "jobs.wait", "params", new Object[] {id, 300}),
                Map.of("methodName", "test.ping", "params", new Object[0])});
        Map<?, ?> refused = (Map<?, ?>) answers[0];
        assertEquals(Faults.BAD_ARGUMENTS, refused.get("faultCode"));
        assertTrue(((String) refused.get("faultString")).contains("jobs.wait cannot run inside a multicall"),
                String.valueOf(refused.get("faultString")));
        assertEquals(true, ((Object[]) answers[1])[0]);
        waitDone(id);
    }

    static XmlRpcException assertFault(int code, String method, Object... params) {
        XmlRpcException e = assertThrows(XmlRpcException.class, () -> minion.call(method, params), method);
        assertEquals(code, e.code, method + ": " + e.getMessage());
        return e;
    }
}
