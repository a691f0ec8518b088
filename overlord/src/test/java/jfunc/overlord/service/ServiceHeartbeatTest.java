package jfunc.overlord.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import jfunc.common.StateDir;
import jfunc.common.json.Json;
import jfunc.overlord.FanOut;
import jfunc.overlord.MinionAddress;
import jfunc.overlord.jobs.RealMinions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The service's heartbeat with real minions, as `jfunc list-minions` shows it. */
@Timeout(180)
class ServiceHeartbeatTest {
    @TempDir
    Path dir;

    /** The CLI in-process on {@code state} (ServiceKillTest's). */
    static ServiceKillTest.Run jfunc(StateDir state, String... args) {
        return ServiceKillTest.jfunc(state, args);
    }

    /** list-minions --json, polled (generously) until {@code ok} holds. */
    static Map<?, ?> listUntil(StateDir state, Predicate<Map<?, ?>> ok, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Map<?, ?> last = null;
        while (System.nanoTime() < deadline) {
            ServiceKillTest.Run r = jfunc(state, "list-minions", "--json");
            assertEquals(0, r.code(), r.err());
            last = (Map<?, ?>) Json.parse(r.out());
            if (ok.test(last)) {
                return last;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(what + " within 60 s; last: " + last);
    }

    static Map<?, ?> ok(Map<?, ?> list, String name) {
        return (Map<?, ?>) ((Map<?, ?>) list.get(name)).get("ok");
    }

    /** Settings for a test service with this heartbeat, no metrics, no dashboard. */
    static ServiceSettings heartbeatEvery(Duration interval) {
        return new ServiceSettings(new FanOut.Limits(16, Duration.ofSeconds(10)), Duration.ofDays(30), null,
                Duration.ofSeconds(1), Duration.ofMinutes(2), interval, null);
    }

    /** The service's health page, as a map. */
    static Map<String, String> health(OverlordService service) {
        Map<String, String> m = new java.util.HashMap<>();
        service.health().forEach(e -> m.put(e.getKey(), e.getValue()));
        return m;
    }

    @Test
    void theHeartbeatKeepsEveryMinionsConnectionWarm() throws Exception {
        assertTrue(ServiceSettings.DEFAULT_HEARTBEAT.compareTo(jfunc.common.rpc.RpcClient.IDLE) < 0,
                "the default heartbeat_interval must come round before a pooled connection is dropped ("
                        + jfunc.common.rpc.RpcClient.IDLE + "), or every round and the first call after it connect anew");
        try (RealMinions fleet = new RealMinions(dir.resolve("fleet"))) {
            List<MinionAddress> all = List.of(fleet.start("a.example.org"), fleet.start("b.example.org"));
            StateDir state = fleet.overlordState(dir.resolve("state"), all);
            try (OverlordService service = OverlordService.start(state, heartbeatEvery(Duration.ofMillis(200)))) {
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                Map<String, String> health = Map.of();
                while (System.nanoTime() < deadline) {
                    health = health(service);
                    if (Long.parseLong(health.get("Heartbeat").replaceAll(".*, (\\d+) rounds.*", "$1")) >= 10) {
                        break;
                    }
                    Thread.sleep(100);
                }
                assertTrue(health.get("Heartbeat").matches(".*, (\\d\\d+) rounds.*"), health.toString());
                assertEquals("2", health.get("TLS handshakes since start"), "each round reuses the two connections: " + health);
            }
        }
    }

    @Test
    void listMinionsShowsWhoAnswersLastSeenAndRttAndAStoppedMinionTurnsNotAnswering() throws Exception {
        try (RealMinions fleet = new RealMinions(dir.resolve("fleet"))) {
            List<MinionAddress> all = List.of(fleet.start("a.example.org"), fleet.start("b.example.org"));
            StateDir state = fleet.overlordState(dir.resolve("state"), all);
            try (OverlordService service = OverlordService.start(state, heartbeatEvery(Duration.ofMillis(500)))) {
                Map<?, ?> up = listUntil(state, l -> "answering".equals(ok(l, "a.example.org").get("state"))
                        && "answering".equals(ok(l, "b.example.org").get("state")), "both answering");
                assertTrue(ok(up, "a.example.org").get("rtt_ms") instanceof Number, up.toString());
                assertTrue(ok(up, "a.example.org").get("last_seen") instanceof String, up.toString());

                ServiceKillTest.Run table = jfunc(state, "list-minions");
                assertEquals(0, table.code(), table.err());
                List<String> lines = table.out().lines().toList();
                assertTrue(lines.get(0).matches("MINION +ADDRESS +STATE +LAST SEEN +RTT +CERT EXPIRES"), lines.get(0));
                assertTrue(lines.get(1).matches("a\\.example\\.org +127\\.0\\.0\\.1:\\d+ +answering +20\\d\\d-\\d\\d-\\d\\d "
                        + "\\d\\d:\\d\\d:\\d\\dZ +\\d+\\.\\d ms +-"), lines.get(1));
                assertEquals("", table.err(), "through the service: no note");

                fleet.stop("b.example.org");
                Map<?, ?> down = listUntil(state, l -> "not answering".equals(ok(l, "b.example.org").get("state")),
                        "b not answering");
                Map<?, ?> b = ok(down, "b.example.org");
                assertTrue(b.get("failing_since") instanceof String && b.get("last_seen") instanceof String, b.toString());
                assertTrue(String.valueOf(b.get("last_error")).length() > 0, b.toString());
                assertEquals("answering", ok(down, "a.example.org").get("state"));
                String row = jfunc(state, "list-minions").out().lines().filter(l -> l.startsWith("b.example.org")).findFirst()
                        .orElseThrow();
                assertTrue(row.contains("not answering since 20"), row);

                ServiceKillTest.Run jobs = jfunc(state, "job", "list", "--json");
                assertEquals(0, jobs.code(), jobs.err());
                assertFalse(jobs.out().contains("test.ping"), "heartbeat pings are not jobs: " + jobs.out());
            }
            ServiceKillTest.Run embedded = jfunc(state, "list-minions");
            assertEquals(0, embedded.code(), embedded.err());
            assertTrue(embedded.out().lines().skip(1).allMatch(l -> l.matches("\\S+ +127\\.0\\.0\\.1:\\d+ +- +- +- +-")),
                    embedded.out());
            assertTrue(embedded.err().startsWith("note: STATE, LAST SEEN and RTT come from jfunc-overlord's heartbeat"),
                    embedded.err());

            // the CA's copy of a certificate (a CA sharing this state dir): its expiry, flagged under 30 days
            java.security.cert.X509Certificate cert = new jfunc.common.testing.TestPki().minion("a.example.org").certificate();
            java.nio.file.Files.writeString(java.nio.file.Files.createDirectories(state.ca().resolve("signed"))
                    .resolve("a.example.org.crt"), jfunc.common.tls.Pem.encode(cert));
            String day = cert.getNotAfter().toInstant().toString().substring(0, 10);
            String a = jfunc(state, "list-minions").out().lines().filter(l -> l.startsWith("a.example.org")).findFirst()
                    .orElseThrow();
            assertTrue(a.endsWith("  " + day + " (soon)"), a);
            Map<?, ?> json = (Map<?, ?>) Json.parse(jfunc(state, "list-minions", "--json").out());
            assertEquals(cert.getNotAfter().toInstant().toString(), ok(json, "a.example.org").get("cert_expires"));
            assertEquals(null, ok(json, "b.example.org").get("cert_expires"));
        }
    }
}
