package jfunc.overlord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import jfunc.common.Faults;
import jfunc.common.rpc.CallError.Kind;
import jfunc.overlord.testing.LoopbackFleet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The fan-out against real TLS servers and misbehaving peers on loopback. */
class FanOutTest {
    static LoopbackFleet fleet;
    static List<MinionAddress> healthy = new ArrayList<>();
    static MinionAddress dead;
    static MinionAddress blackhole;
    static MinionAddress garbage;
    static MinionAddress trickle;
    static MinionAddress revoked;

    @BeforeAll
    static void start() throws Exception {
        fleet = new LoopbackFleet();
        for (int i = 1; i <= 4; i++) {
            healthy.add(fleet.healthy("web" + i + ".example.org"));
        }
        dead = fleet.dead("dead.example.org");
        blackhole = fleet.blackhole("blackhole.example.org");
        garbage = fleet.garbage("garbage.example.org");
        trickle = fleet.trickle("trickle.example.org");
        revoked = fleet.revoked("revoked.example.org");
        fleet.applyRevocations();
    }

    @AfterAll
    static void stop() {
        fleet.close();
    }

    static FanOut fanOut(int forks, int timeoutMillis) {
        return new FanOut(fleet.pki.context(fleet.overlord), new FanOut.Limits(forks, Duration.ofMillis(timeoutMillis)));
    }

    @Test
    void eachKindOfFailureIsClassifiedAndNoneDelaysTheHealthyOnes() {
        List<MinionAddress> mixed = List.of(healthy.get(0), dead, blackhole, healthy.get(1), garbage, trickle,
                revoked, healthy.get(2));
        List<String> finished = new CopyOnWriteArrayList<>();
        long start = System.nanoTime();
        CallResult r;
        try (FanOut f = fanOut(8, 2000)) {
            r = f.call(mixed, MethodCall.of("test.ping"), new FanOutListener() {
                @Override
                public void finished(MinionResult result) {
                    finished.add(result.minion());
                }
            });
        }
        long wallMillis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(mixed.stream().map(MinionAddress::name).toList(),
                r.results().stream().map(MinionResult::minion).toList(), "results in target order");
        for (MinionAddress h : List.of(healthy.get(0), healthy.get(1), healthy.get(2))) {
            MinionResult ok = r.get(h.name()).orElseThrow();
            assertTrue(ok.ok(), ok.toString());
            assertEquals(true, ok.value());
            assertTrue(ok.elapsed().toMillis() < 2000, "healthy answered within its timeout: " + ok);
        }
        assertEquals(Kind.UNREACHABLE, kind(r, dead));
        assertEquals(Kind.TIMEOUT, kind(r, blackhole));
        assertEquals(Kind.PROTOCOL, kind(r, garbage));
        assertEquals(Kind.TIMEOUT, kind(r, trickle));
        assertEquals(Kind.TLS, kind(r, revoked));
        assertTrue(r.get(revoked.name()).orElseThrow().error().message().contains("revoked"),
                r.get(revoked.name()).toString());
        assertTrue(wallMillis < 4000, "the call ends about one timeout after the last start: " + wallMillis + " ms");
        assertEquals(8, finished.size());
        assertEquals(5, r.failures().size());
    }

    @Test
    void aTrickleCannotHoldAForkPastItsDeadline() throws Exception {
        // One fork: the trickler sends a byte every 200 ms (never a read timeout); its deadline
        // must close it so that the healthy minion after it still gets the fork.
        try (FanOut f = fanOut(1, 1000)) {
            long start = System.nanoTime();
            CallResult r = f.call(List.of(trickle, healthy.get(3)), MethodCall.of("test.ping"), null);
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertEquals(Kind.TIMEOUT, kind(r, trickle));
            assertTrue(r.get(healthy.get(3).name()).orElseThrow().ok(), r.toString());
            assertTrue(ms < 2500, "took " + ms + " ms");
        }
        // and the abandoned connection was really closed: the server's writes fail
        long until = System.nanoTime() + 3_000_000_000L;
        while (fleet.trickling.get() > 0 && System.nanoTime() < until) {
            Thread.onSpinWait();
        }
        assertEquals(0, fleet.trickling.get(), "the trickler still has a connection");
    }

    @Test
    void noMoreThanForksCallsRunAtOnce() {
        fleet.maxConcurrent.set(0);
        List<MinionAddress> eight = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            eight.add(healthy.get(i % 4));
        }
        try (FanOut f = fanOut(2, 5000)) {
            CallResult r = f.call(eight, MethodCall.of("test.sleep", 150), null);
            assertTrue(r.allOk(), r.toString());
        }
        assertEquals(2, fleet.maxConcurrent.get());
    }

    @Test
    void faultsCarryTheirCodeAndLabel() {
        try (FanOut f = fanOut(4, 5000)) {
            MinionResult r = f.call(List.of(healthy.get(0)), MethodCall.of("nope.nothing"), null).results().get(0);
            assertEquals(Kind.FAULT, r.error().kind());
            assertEquals(Faults.UNKNOWN_METHOD, r.error().faultCode());
            assertEquals("unknown-method", r.error().label());
        }
    }

    @Test
    void eachMinionCanGetItsOwnCall() {
        try (FanOut f = fanOut(4, 5000)) {
            CallResult r = f.call(healthy, m -> MethodCall.of("test.echo", m.name()), Duration.ofSeconds(5), null);
            for (MinionResult m : r.results()) {
                assertEquals(m.minion(), m.value());
            }
            assertEquals("overlord", fleet.callers.get(fleet.callers.size() - 1));
        }
    }

    @Test
    void limitsAreValidatedWithMessagesNamingTheFlag() {
        assertEquals("--forks must be between 1 and 1024 (got 0)",
                assertThrows(IllegalArgumentException.class, () -> new FanOut.Limits(0, Duration.ofSeconds(1))).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new FanOut.Limits(-3, Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> new FanOut.Limits(1025, Duration.ofSeconds(1)));
        assertEquals("--timeout must be more than 0 and at most 86400 seconds (got 0 s)",
                assertThrows(IllegalArgumentException.class, () -> new FanOut.Limits(1, Duration.ZERO)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new FanOut.Limits(1, Duration.ofSeconds(-1)));
        assertEquals(Duration.ofSeconds(5), FanOut.Limits.defaults().connectTimeout());
        assertEquals(Duration.ofSeconds(2), new FanOut.Limits(1, Duration.ofSeconds(2)).connectTimeout());
        assertEquals(64, FanOut.Limits.defaults().forks());
    }

    static Kind kind(CallResult r, MinionAddress m) {
        MinionResult x = r.get(m.name()).orElseThrow();
        assertTrue(!x.ok(), x.toString());
        return x.error().kind();
    }
}
