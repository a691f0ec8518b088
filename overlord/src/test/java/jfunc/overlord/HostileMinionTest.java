package jfunc.overlord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jfunc.common.StateDir;
import jfunc.common.rpc.CallError.Kind;
import jfunc.overlord.cli.JfuncCli;
import jfunc.overlord.testing.LoopbackFleet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Minions that answer to hurt the overlord (the audit's case 5): a 64 MiB reply, a reply nested
 * 100,000 levels deep, a reply that trickles for ever. Each is that minion's protocol or timeout
 * result, with no stack trace and no Error; the healthy minions of the same fan-out answer.
 */
public class HostileMinionTest {
    @Test
    void hostileRepliesAreThatMinionsResultAndTheOthersAnswer() throws Exception {
        try (LoopbackFleet fleet = new LoopbackFleet()) {
            MinionAddress good1 = fleet.healthy("good1.example.org");
            MinionAddress good2 = fleet.healthy("good2.example.org");
            MinionAddress huge = huge(fleet, "huge.example.org");
            MinionAddress deep = deep(fleet, "deep.example.org");
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

    /** A minion whose reply is a 64 MiB string, sent chunked (no length to refuse it by). */
    static MinionAddress huge(LoopbackFleet fleet, String name) throws IOException {
        return fleet.https(name, exchange -> {
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
    }

    /** A minion whose reply nests arrays 100,000 levels deep. */
    static MinionAddress deep(LoopbackFleet fleet, String name) throws IOException {
        return fleet.https(name, exchange -> {
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
    }

    /**
     * The same attack on a real {@code jfunc} process, run with bin/jfunc's JVM options (no heap
     * limit: the default is a quarter of the machine's memory), against four 64 MiB replies at once:
     * the caps, not the heap, bound what it holds, so its peak RSS stays under 256 MB.
     */
    @Test
    void aRealJfuncStaysUnder256MbAgainstHostileMinions(@TempDir Path dir) throws Exception {
        try (LoopbackFleet fleet = new LoopbackFleet()) {
            List<MinionAddress> minions = new ArrayList<>();
            minions.add(fleet.healthy("good1.example.org"));
            for (int i = 1; i <= 4; i++) {
                minions.add(huge(fleet, "huge" + i + ".example.org"));
            }
            minions.add(deep(fleet, "deep.example.org"));
            minions.add(fleet.trickle("trickle.example.org"));
            minions.add(fleet.healthy("good2.example.org"));
            StateDir state = fleet.writeState(dir.resolve("state"), minions);
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            cmd.addAll(jfuncJvmOptions());
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), JfuncCli.class.getName(),
                    "--state-dir", state.root().toString(), "--no-service", "*", "ping", "--timeout", "10"));
            Process p = new ProcessBuilder(cmd).redirectOutput(dir.resolve("out").toFile())
                    .redirectError(dir.resolve("err").toFile()).start();
            long peakKb = 0;
            while (p.isAlive()) { // VmHWM only grows: its last reading before the exit is the peak
                peakKb = Math.max(peakKb, peakRssKb(p.pid()));
                Thread.sleep(20);
            }
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            String out = Files.readString(dir.resolve("out"));
            String err = Files.readString(dir.resolve("err"));
            assertEquals(1, p.exitValue(), out + err);
            assertTrue(out.contains("good1.example.org") && out.contains("good2.example.org"), out);
            assertEquals(2, out.lines().filter(l -> l.contains("pong")).count(), out);
            assertFalse(err.contains("\tat ") || err.contains("OutOfMemoryError") || err.contains("StackOverflowError"), err);
            assertTrue(peakKb > 0, "peak RSS read from /proc");
            assertTrue(peakKb < 256 * 1024, "jfunc peaked at " + peakKb / 1024 + " MB RSS");
        }
    }

    /** The JVM options bin/jfunc starts jfunc with (its JFUNC_DEFAULT_JAVA_OPTS default). */
    public static List<String> jfuncJvmOptions() throws IOException {
        Path launcher = Path.of(System.getProperty("user.dir")).resolveSibling("bin").resolve("jfunc");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("JFUNC_DEFAULT_JAVA_OPTS:-([^}]*)}")
                .matcher(Files.readString(launcher));
        assertTrue(m.find(), "bin/jfunc sets default JVM options");
        return List.of(m.group(1).trim().split("\\s+"));
    }

    public static long peakRssKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException gone) {
            // exited between the check and the read
        }
        return 0;
    }
}
