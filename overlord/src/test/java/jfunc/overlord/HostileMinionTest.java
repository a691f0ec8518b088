package jfunc.overlord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import jfunc.common.rpc.CallError.Kind;
import jfunc.overlord.testing.LoopbackFleet;
import org.junit.jupiter.api.Test;

/**
 * Minions that answer to hurt the overlord (the audit's case 5): a 64 MiB reply, a reply nested
 * 100,000 levels deep, a reply that trickles for ever. Each is that minion's protocol or timeout
 * result, with no stack trace and no Error; the healthy minions of the same fan-out answer.
 */
class HostileMinionTest {
    @Test
    void hostileRepliesAreThatMinionsResultAndTheOthersAnswer() throws Exception {
        try (LoopbackFleet fleet = new LoopbackFleet()) {
            MinionAddress good1 = fleet.healthy("good1.example.org");
            MinionAddress good2 = fleet.healthy("good2.example.org");
            MinionAddress huge = fleet.https("huge.example.org", exchange -> {
                exchange.getRequestBody().readAllBytes();
                exchange.getResponseHeaders().set("Content-Type", "text/xml");
                exchange.sendResponseHeaders(200, 0); // chunked: no length to refuse it by
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write("<?xml version=\"1.0\"?><methodResponse><params><param><value><string>"
                            .getBytes(StandardCharsets.US_ASCII));
                    byte[] mib = "x".repeat(1024 * 1024).getBytes(StandardCharsets.US_ASCII);
                    for (int i = 0; i < 64; i++) {
                        out.write(mib);
                    }
                    out.write("</string></value></param></params></methodResponse>".getBytes(StandardCharsets.US_ASCII));
                } catch (java.io.IOException cut) {
                    // the overlord hung up: what we want
                }
            });
            MinionAddress deep = fleet.https("deep.example.org", exchange -> {
                exchange.getRequestBody().readAllBytes();
                StringBuilder b = new StringBuilder("<?xml version=\"1.0\"?><methodResponse><params><param><value>");
                b.append("<array><data><value>".repeat(100_000)).append("<i4>1</i4>")
                        .append("</value></data></array>".repeat(100_000)).append("</value></param></params></methodResponse>");
                byte[] body = b.toString().getBytes(StandardCharsets.US_ASCII);
                exchange.getResponseHeaders().set("Content-Type", "text/xml");
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                } catch (java.io.IOException cut) {
                    // fine
                }
            });
            MinionAddress trickle = fleet.trickle("trickle.example.org");
            CallResult r;
            try (FanOut f = new FanOut(fleet.pki.context(fleet.overlord), new FanOut.Limits(8, Duration.ofSeconds(5)))) {
                r = f.call(List.of(good1, huge, deep, trickle, good2), MethodCall.of("test.ping"), null);
            }
            assertTrue(r.get(good1.name()).orElseThrow().ok());
            assertTrue(r.get(good2.name()).orElseThrow().ok());
            MinionResult big = r.get(huge.name()).orElseThrow();
            // over the cap (protocol), or on a busy machine not even the cap's worth within 5 s (timeout)
            assertTrue(big.error().kind() == Kind.PROTOCOL && big.error().message().contains("limit")
                    || big.error().kind() == Kind.TIMEOUT, big.toString());
            MinionResult nested = r.get(deep.name()).orElseThrow();
            assertEquals(Kind.PROTOCOL, nested.error().kind(), nested.toString());
            assertTrue(nested.error().message().contains("nested deeper"), nested.toString());
            assertEquals(Kind.TIMEOUT, r.get(trickle.name()).orElseThrow().error().kind());
        }
    }
}
