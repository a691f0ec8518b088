package jfunc.minion.jobs;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import jfunc.common.testing.TestPki;
import jfunc.minion.ArgType;
import jfunc.minion.MethodSpec;
import jfunc.minion.MinionModule;
import jfunc.minion.testing.TestMinion;
import org.apache.xmlrpc.XmlRpcException;

/** Real modules for the job tests, added to a real minion next to the built-in ones, and the minion they run on. */
final class JobTestModules {
    private JobTestModules() {}

    /** The job tests' callers besides the overlord. */
    static final String ACL = """
            monitor.example.org = test.ping, jobs.*
            mallory.example.org = jobs.*, async.test.*
            auditor.example.org = jobs.*, jobs:all
            canceller.example.org = jobs.cancel, jobs.status, async.test.*, async.gate.*
            """;

    /** A real minion (TestMinion) with the job tests' ACL, state under {@code stateDir}. */
    static TestMinion minion(TestPki pki, Path stateDir, Map<String, String> config, List<MinionModule> extra)
            throws Exception {
        return TestMinion.in(stateDir).pki(pki).config(config).modules(extra).acl(ACL).start();
    }

    /** As {@link #minion(TestPki, Path, Map, List)}, the status file made by {@code maker} (a slow open), jobs calls waiting {@code readyWait} for it. */
    static TestMinion minion(TestPki pki, Path stateDir, Map<String, String> config, List<MinionModule> extra,
                             StatusFile.Maker maker, Duration readyWait) throws Exception {
        return TestMinion.in(stateDir).pki(pki).config(config).modules(extra).acl(ACL)
                .jobs((registry, settings) -> JobService.open(registry, settings, maker, readyWait)).start();
    }

    /** {@code gate.pass()}: blocks until the test releases a permit; lets tests hold jobs RUNNING. */
    static final class Gate implements MinionModule {
        final Semaphore permits = new Semaphore(0);
        volatile CountDownLatch entered = new CountDownLatch(0);

        @Override
        public String name() {
            return "gate";
        }

        @Override
        public List<MethodSpec> methods() {
            return List.of(MethodSpec.method("pass").handler((a, c) -> {
                entered.countDown();
                permits.acquire();
                return "passed";
            }));
        }
    }

    /** {@code jobtest.count(key)}, {@code jobtest.fail(code, text)}, {@code jobtest.big(chars)}. */
    static final class Work implements MinionModule {
        final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();

        int runs(String key) {
            AtomicInteger n = counts.get(key);
            return n == null ? 0 : n.get();
        }

        @Override
        public String name() {
            return "jobtest";
        }

        @Override
        public List<MethodSpec> methods() {
            return List.of(
                    MethodSpec.method("count").param("key", ArgType.STRING).handler((a, c) -> {
                        counts.computeIfAbsent(a.string(0), k -> new AtomicInteger()).incrementAndGet();
                        return a.string(0);
                    }),
                    MethodSpec.method("fail").param("code", ArgType.INT).param("text", ArgType.STRING)
                            .handler((a, c) -> {
                                throw new XmlRpcException(a.integer(0), a.string(1));
                            }),
                    MethodSpec.method("big").param("chars", ArgType.INT)
                            .handler((a, c) -> "x".repeat(a.integer(0))));
        }
    }
}
