package jfunc.overlord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import jfunc.common.StateDir;
import jfunc.common.rpc.CallError.Kind;
import jfunc.overlord.testing.LoopbackFleet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The overlord opened from a real state dir, calling real servers. */
class OverlordTest {
    @TempDir
    Path dir;

    @Test
    void theCaCrlIsAppliedWhenTheOverlordHasNoneOfItsOwn() throws Exception {
        try (LoopbackFleet fleet = new LoopbackFleet()) {
            MinionAddress good = fleet.healthy("good.example.org");
            MinionAddress bad = fleet.revoked("bad.example.org");
            fleet.applyRevocations();
            StateDir state = fleet.writeState(dir, List.of(good, bad));
            java.nio.file.Files.createDirectories(state.ca());
            java.nio.file.Files.move(state.overlord().resolve("crl.pem"), state.ca().resolve("crl.pem"));
            try (Overlord o = Overlord.open(state, new FanOut.Limits(4, Duration.ofSeconds(5)))) {
                CallResult r = o.call("*", "test.ping");
                assertTrue(r.get("good.example.org").orElseThrow().ok());
                MinionResult refused = r.get("bad.example.org").orElseThrow();
                assertEquals(Kind.TLS, refused.error().kind());
                assertTrue(refused.error().message().contains("revoked"), refused.error().message());
            }
        }
    }

    @Test
    void callsTheTargetAndReportsUnknownNamesInPlace() throws Exception {
        try (LoopbackFleet fleet = new LoopbackFleet()) {
            MinionAddress a = fleet.healthy("a.example.org");
            MinionAddress b = fleet.healthy("b.example.org");
            StateDir state = fleet.writeState(dir, List.of(a, b));
            AtomicInteger finished = new AtomicInteger();
            try (Overlord o = Overlord.open(state, new FanOut.Limits(4, Duration.ofSeconds(5)))) {
                assertEquals(2, o.inventory().size());
                Selection s = o.select("b.example.org;ghost.example.org;*");
                CallResult r = o.call(s, MethodCall.of("test.ping"), new FanOutListener() {
                    @Override
                    public void finished(MinionResult result) {
                        finished.incrementAndGet();
                    }
                });
                assertEquals(List.of("b.example.org", "ghost.example.org", "a.example.org"),
                        r.results().stream().map(MinionResult::minion).toList());
                assertTrue(r.get("a.example.org").orElseThrow().ok());
                MinionResult ghost = r.get("ghost.example.org").orElseThrow();
                assertEquals(Kind.UNREACHABLE, ghost.error().kind());
                assertTrue(ghost.error().message().startsWith("not in the inventory"));
                assertFalse(r.allOk());
                assertEquals(3, finished.get());
                assertEquals("command.run", r.method().isEmpty() ? "" : o.call("a*", "command.run", "uptime").method());
            }
        }
    }
}
