package jfunc.overlord.heartbeat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import jfunc.overlord.CallResult;
import jfunc.overlord.MinionAddress;
import jfunc.overlord.MinionResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The heartbeat's schedule: every minion once a round, spread over the interval, bounded batches out at once. */
@Timeout(120)
class HeartbeatTest {
    @Test
    void aRoundPingsEveryMinionOnceSpreadOverTheIntervalWithBoundedBatchesOut() throws Exception {
        List<MinionAddress> fleet = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            fleet.add(new MinionAddress("m" + i, "127.0.0.1", 1000 + i));
        }
        Map<String, AtomicInteger> pinged = new ConcurrentHashMap<>();
        List<Long> batchStarts = new CopyOnWriteArrayList<>();
        AtomicInteger out = new AtomicInteger();
        AtomicInteger mostOut = new AtomicInteger();
        long t0 = System.nanoTime();
        Heartbeat.Pinger slow = (batch, timeout) -> {
            batchStarts.add(System.nanoTime() - t0);
            mostOut.accumulateAndGet(out.incrementAndGet(), Math::max);
            try {
                Thread.sleep(300); // slower than the pause between batches: they overlap
                List<MinionResult> results = new ArrayList<>();
                for (MinionAddress m : batch) {
                    pinged.computeIfAbsent(m.name(), k -> new AtomicInteger()).incrementAndGet();
                    results.add(MinionResult.success(m.name(), true, Duration.ofMillis(3)));
                }
                return new CallResult("test.ping", results);
            } finally {
                out.decrementAndGet();
            }
        };
        Duration interval = Duration.ofSeconds(2);
        try (Heartbeat h = Heartbeat.start(interval, () -> fleet, slow)) {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (h.rounds() < 1 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(1, h.rounds() >= 1 ? 1 : 0, "a round ended within 60 s");
            List<Long> firstRound = List.copyOf(batchStarts);
            assertTrue(firstRound.size() > 1, "in batches: " + firstRound.size());
            long span = firstRound.get(firstRound.size() - 1) - firstRound.get(0);
            assertTrue(span >= Duration.ofMillis(1000).toNanos(), "spread over the interval, not a burst: "
                    + span / 1_000_000 + " ms");
            assertTrue(mostOut.get() <= Heartbeat.MAX_BATCHES, "batches out at once: " + mostOut.get());
            fleet.forEach(m -> assertTrue(pinged.containsKey(m.name()), m.name() + " pinged"));
            assertEquals(40, h.all().size());
            assertEquals(jfunc.overlord.Liveness.State.ANSWERING, h.of("m7").state());
            assertEquals(Duration.ofMillis(3), h.of("m7").rtt());
            assertEquals(jfunc.overlord.Liveness.State.NEVER_SEEN, h.of("nobody").state());
        }
    }

    @Test
    void aMinionThatStopsAnsweringIsNotAnsweringSinceItsFirstFailedPingAndKeepsItsLastSeen() throws Exception {
        List<MinionAddress> fleet = List.of(new MinionAddress("web1", "127.0.0.1", 1));
        AtomicInteger round = new AtomicInteger();
        Heartbeat.Pinger flaky = (batch, timeout) -> new CallResult("test.ping", List.of(round.incrementAndGet() == 1
                ? MinionResult.success("web1", true, Duration.ofMillis(2))
                : MinionResult.failure("web1", new jfunc.common.rpc.CallError(jfunc.common.rpc.CallError.Kind.UNREACHABLE,
                0, "connection refused"), Duration.ofMillis(1))));
        try (Heartbeat h = Heartbeat.start(Duration.ofMillis(200), () -> fleet, flaky)) {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (h.rounds() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            jfunc.overlord.Liveness l = h.of("web1");
            assertEquals(jfunc.overlord.Liveness.State.NOT_ANSWERING, l.state());
            assertTrue(l.lastSeen() != null && l.failingSince().isAfter(l.lastSeen()), l.toString());
            assertTrue(l.lastTried().isAfter(l.failingSince()), "failing since the first failed ping: " + l);
            assertEquals("connection refused", l.lastError());
            assertTrue(l.stateText().startsWith("not answering since 20"), l.stateText());
        }
    }
}
