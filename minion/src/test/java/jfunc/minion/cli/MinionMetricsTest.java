package jfunc.minion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jfunc.common.rpc.RpcClient;
import jfunc.common.testing.TestPki;
import jfunc.minion.jobs.JfuncdProcess;
import org.apache.xmlrpc.XmlRpcException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Prometheus metrics of a real jfuncd process, scraped from its real endpoint. */
class MinionMetricsTest {
    private static final Pattern METRICS_AT = Pattern.compile("metrics on http://127\\.0\\.0\\.1:(\\d+)/metrics");

    @TempDir
    Path dir;
    TestPki pki;

    @BeforeEach
    void enrol() throws Exception {
        pki = new TestPki();
        JfuncdProcess.enrol(pki, dir);
    }

    @Test
    void aScrapeShowsCallsJobsPoolsHandshakesAndCommits() throws Exception {
        try (JfuncdProcess jfuncd = JfuncdProcess.start(dir, Map.of("JFUNC_METRICS_LISTEN", "127.0.0.1:0",
                "JFUNC_JOBS_MAX_CONCURRENT_COMMAND", "1", "JFUNC_JOBS_MAX_RUNNING_TIME_COMMAND", "2s"))) {
            Matcher at = METRICS_AT.matcher(jfuncd.awaitOutput("metrics on http://"));
            assertTrue(at.find(), jfuncd.output());
            URI uri = URI.create("http://127.0.0.1:" + at.group(1) + "/metrics");
            RpcClient overlord = new RpcClient(pki.context(pki.overlord()), Duration.ofSeconds(5), Duration.ofSeconds(30));

            assertEquals(true, overlord.call(jfuncd.endpoint, "test.ping"));
            assertThrows(XmlRpcException.class, () -> overlord.call(jfuncd.endpoint, "test.add", "x", 1));
            assertThrows(XmlRpcException.class, () -> overlord.call(jfuncd.endpoint, "nosuch.thing"));
            String ok = (String) overlord.call(jfuncd.endpoint, "async.command.run", "true");
            assertEquals("FINISHED", ((Map<?, ?>) overlord.call(jfuncd.endpoint, "jobs.wait", ok, 30)).get("state"));
            String failed = (String) overlord.call(jfuncd.endpoint, "async.process.kill", 1);
            assertEquals("FAILED", ((Map<?, ?>) overlord.call(jfuncd.endpoint, "jobs.wait", failed, 30)).get("state"));
            String slow = (String) overlord.call(jfuncd.endpoint, "async.command.run", "sleep 584");
            String waiting = (String) overlord.call(jfuncd.endpoint, "async.command.run", "true");
            for (int i = 0; i < 500 && !"RUNNING".equals(((Map<?, ?>) overlord.call(jfuncd.endpoint, "jobs.status", slow))
                    .get("state")); i++) {
                Thread.sleep(10);
            }

            String text = scrape(uri);
            assertTrue(text.contains("jfunc_minion_calls_total{code=\"ok\",method=\"test.ping\"} 1.0"), text);
            assertTrue(text.contains("jfunc_minion_calls_total{code=\"103\",method=\"test.add\"} 1.0"), text);
            assertTrue(text.contains("jfunc_minion_calls_total{code=\"102\",method=\"other\"} 1.0"), text);
            assertTrue(text.contains("jfunc_minion_calls_total{code=\"ok\",method=\"async.command.run\"} 3.0"), text);
            assertTrue(text.contains("jfunc_minion_job_duration_seconds_count{method=\"command.run\",module=\"command\"} 1"),
                    text);
            assertTrue(text.contains("jfunc_minion_job_errors_total{method=\"process.kill\",module=\"process\"} 1.0"), text);
            assertTrue(text.contains("jfunc_minion_pool_workers{pool=\"command\",state=\"busy\"} 1.0"), text);
            assertTrue(text.contains("jfunc_minion_pool_workers{pool=\"command\",state=\"idle\"} 0.0"), text);
            assertTrue(text.contains("jfunc_minion_pool_queue_depth{pool=\"command\"} 1.0"), text);
            assertTrue(Pattern.compile("jfunc_minion_handshakes_total\\{result=\"ok\"} [1-9]").matcher(text).find(), text);
            assertTrue(Pattern.compile("jfunc_minion_connections_open [1-9]").matcher(text).find(), text);
            assertTrue(Pattern.compile("jfunc_minion_status_commit_seconds_count [1-9]").matcher(text).find(), text);

            // past the pool's 2 s the slow job is stopped: a timeout, not an error
            assertEquals("FAILED", ((Map<?, ?>) overlord.call(jfuncd.endpoint, "jobs.wait", slow, 30)).get("state"));
            assertEquals("FINISHED", ((Map<?, ?>) overlord.call(jfuncd.endpoint, "jobs.wait", waiting, 30)).get("state"));
            text = scrape(uri);
            assertTrue(text.contains("jfunc_minion_job_timeouts_total{method=\"command.run\",module=\"command\"} 1.0"), text);
            assertFalse(text.contains("jfunc_minion_job_errors_total{method=\"command.run\""), text);
            assertTrue(text.contains("jfunc_minion_pool_queue_depth{pool=\"command\"} 0.0"), text);
        }
    }

    @Test
    void metricsOnAPortInUseIsAClearErrorAtStart() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String listen = "127.0.0.1:" + taken.getLocalPort();
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> JfuncdProcess.start(dir, Map.of("JFUNC_METRICS_LISTEN", listen), List.of()).close());
            assertTrue(e.getMessage().contains("jfuncd: error: metrics_listen " + listen + ": cannot listen: "), e.getMessage());
            assertTrue(e.getMessage().contains("port in use"), e.getMessage());
        }
    }

    private static String scrape(URI uri) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        return r.body();
    }
}
