package jfunc.overlord.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jfunc.common.StateDir;
import jfunc.common.json.Json;
import jfunc.overlord.MinionAddress;
import jfunc.overlord.jobs.RealMinions;
import jfunc.overlord.service.OverlordService;
import jfunc.overlord.service.ServiceTesting;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The dashboard over plain HTTP, served by a real jfunc-overlord with real minions. */
@Timeout(180)
class DashboardTest {
    @TempDir
    static Path dir;
    static RealMinions fleet;
    static StateDir state;
    static OverlordService service;
    static String base;
    static String token;
    static final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeAll
    static void start() throws Exception {
        fleet = new RealMinions(dir.resolve("fleet"));
        List<MinionAddress> all = new ArrayList<>(List.of(fleet.start("a.example.org"), fleet.start("b.example.org")));
        for (int i = 0; i < 248; i++) {
            // an inventory of 250: the rest never answer (nothing listens on port 9, discard)
            all.add(new MinionAddress(String.format("z%03d.example.org", i), "127.0.0.1", 9));
        }
        state = fleet.overlordState(dir.resolve("state"), all);
        service = ServiceTesting.startWithDashboard(state, Duration.ofSeconds(1));
        base = "http://127.0.0.1:" + service.dashboardPort();
        token = Files.readString(state.overlord().resolve(WebToken.FILE)).strip();
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
        fleet.close();
    }

    static HttpResponse<String> get(String path, String cookie) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
        if (cookie != null) {
            b.header("Cookie", cookie);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String cookie() {
        return Dashboard.COOKIE + "=" + token;
    }

    static String page(String path) throws Exception {
        HttpResponse<String> r = get(path, cookie());
        assertEquals(200, r.statusCode(), path + ": " + r.body());
        return r.body();
    }

    @Test
    void aRequestWithoutTheTokenIsRefusedAndTheTokenBecomesACookieAndLeavesTheUrl() throws Exception {
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                state.overlord().resolve(WebToken.FILE))));
        assertTrue(token.length() >= 40, token);
        for (String path : List.of("/", "/minions", "/jobs", "/health", "/api/minions", "/metrics", "/job/x")) {
            HttpResponse<String> r = get(path, null);
            assertEquals(403, r.statusCode(), path);
            assertFalse(r.body().contains("a.example.org"), path + " shows nothing without the token");
        }
        assertEquals(403, get("/minions", Dashboard.COOKIE + "=" + token.substring(1) + "x").statusCode(), "a wrong cookie");
        assertEquals(403, get("/minions?token=nope", null).statusCode(), "a wrong token");

        HttpResponse<String> first = get("/jobs?state=finished&token=" + token, null);
        assertEquals(303, first.statusCode());
        assertEquals("/jobs?state=finished", first.headers().firstValue("Location").orElseThrow(), "no token in the next URL");
        String setCookie = first.headers().firstValue("Set-Cookie").orElseThrow();
        assertTrue(setCookie.startsWith(Dashboard.COOKIE + "=" + token + ";"), setCookie);
        assertTrue(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"), setCookie);
        assertEquals(200, get("/jobs?state=finished", setCookie.substring(0, setCookie.indexOf(';'))).statusCode());

        HttpResponse<String> ok = get("/minions", cookie());
        String csp = ok.headers().firstValue("Content-Security-Policy").orElseThrow();
        assertTrue(csp.contains("default-src 'none'") && csp.contains("script-src 'self'")
                && !csp.contains("unsafe-inline"), csp);
        assertEquals("nosniff", ok.headers().firstValue("X-Content-Type-Options").orElseThrow());

        HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(base + "/minions"))
                .header("Cookie", cookie()).POST(HttpRequest.BodyPublishers.ofString("x=1")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode(), "read-only");
        assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElseThrow());
    }

    @Test
    void theMinionsPageFiltersWithTargetSyntaxAndPagesALargeFleet() throws Exception {
        String all = page("/minions");
        assertTrue(all.contains("<td>a.example.org</td>") && all.contains("<td>b.example.org</td>"), all);
        assertEquals(100, count(all, "<tr data-key="), "one page of rows, not the whole fleet");
        assertTrue(all.contains("page 1 of 3"), all);
        assertEquals(50, count(page("/minions?page=3"), "<tr data-key="));
        String filtered = page("/minions?target=" + Html.url("*.example.org;!b*;!z*"));
        assertTrue(filtered.contains("<td>a.example.org</td>") && !filtered.contains("<td>b.example.org</td>"), filtered);
        assertEquals(1, count(filtered, "<tr data-key="));
        String bad = page("/minions?target=" + Html.url("\"><script>x()</script>"));
        assertFalse(bad.contains("<script>x()"), "the filter is escaped where it is shown");
        assertTrue(bad.contains("&quot;&gt;&lt;script&gt;x()&lt;/script&gt;"), bad);

        Map<?, ?> json = waitFor(() -> (Map<?, ?>) Json.parse(page("/api/minions?target=a*")),
                j -> rowText(j, 0).contains("answering") && !rowText(j, 0).contains("not answering"), "a answering");
        assertTrue(rowText(json, 0).contains(" ms"), "its round-trip time: " + json);
        Map<?, ?> never = (Map<?, ?>) Json.parse(page("/api/minions?target=z000*"));
        assertTrue(rowText(never, 0).contains("never seen") || rowText(never, 0).contains("not answering"), never.toString());
    }

    @Test
    void jobPagesEscapeMinionOutputFoldLongOutputAndTheJobsPageCountsByState() throws Exception {
        String hostile = "<script>document.title='pwned'</script><img src=x onerror=alert(1)> {{title}} & done";
        Ran r = run("a.example.org", "call", "command", "run", "seq 1 30", "--async");
        String id = r.out().strip();
        Ran hostileRun = run("b.example.org", "call", "command", "run", "--async", "--", "printf", "%s", hostile);
        String hostileId = hostileRun.out().strip();
        run("job", "status", id, hostileId, "--wait", "--timeout", "60");

        String job = waitFor(() -> page("/job/" + hostileId), p -> p.contains("exit 0"), "the job finished");
        assertFalse(job.contains("<script>document"), "no markup from a minion reaches the page");
        assertFalse(job.contains("<img src=x"), job);
        assertTrue(job.contains("&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"
                + " {{title}} &amp; done"), job);

        String folded = page("/job/" + id);
        assertTrue(folded.contains("<details><summary><pre>"), "over 20 lines: folded");
        assertTrue(folded.contains("10 more lines</summary>"), folded);
        assertTrue(folded.contains("Submitted by") && folded.contains("Deadline") && folded.contains("command.run"), folded);

        String jobs = page("/jobs");
        assertTrue(jobs.contains("/job/" + id) && jobs.contains("/job/" + hostileId), jobs);
        assertTrue(jobs.indexOf("/job/" + hostileId) < jobs.indexOf("/job/" + id), "newest first");
        assertTrue(jobs.matches("(?s).*<dt>Finished</dt><dd>\\d+</dd>.*"), jobs);
        String running = page("/jobs?state=running");
        assertFalse(running.contains("/job/" + id), "the state filter");
        assertEquals(404, get("/job/nope", cookie()).statusCode());
    }

    @Test
    void theHealthPageAndMetrics() throws Exception {
        String health = page("/health");
        for (String s : List.of("Uptime", "Pooled connections", "Calls in flight", "Pending re-submissions", "Heartbeat",
                "href=\"/metrics\"")) {
            assertTrue(health.contains(s), s + " in " + health);
        }
        String metrics = page("/metrics");
        assertTrue(metrics.contains("jfunc_service_requests_in_flight"), metrics);
    }

    @Test
    void theTokenIsWrittenOnceAt0600AndKeptAcrossStarts(@TempDir Path other) throws Exception {
        WebToken first = WebToken.load(other);
        assertTrue(first.created(), "the first start writes it (and the service logs its URL, once)");
        WebToken again = WebToken.load(other);
        assertFalse(again.created(), "later starts only read it");
        assertEquals(first.value(), again.value());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(other.resolve(WebToken.FILE))));
        assertTrue(again.matches(first.value()) && !again.matches(first.value() + "x") && !again.matches(null));
    }

    record Ran(int code, String out, String err) {}

    static Ran run(String... args) {
        return runIn(state, args);
    }

    /** The CLI in-process on {@code state}; it must exit 0. */
    static Ran runIn(StateDir state, String... args) {
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        List<String> all = new ArrayList<>(List.of("--state-dir", state.root().toString()));
        all.addAll(List.of(args));
        int code = jfunc.overlord.cli.JfuncCli.run(new java.io.PrintWriter(out), new java.io.PrintWriter(err),
                all.toArray(String[]::new));
        assertEquals(0, code, String.join(" ", args) + ": " + out + err);
        return new Ran(code, out.toString(), err.toString());
    }

    static String rowText(Map<?, ?> json, int row) {
        List<?> rows = (List<?>) json.get("rows");
        StringBuilder b = new StringBuilder();
        for (Object c : (List<?>) ((Map<?, ?>) rows.get(row)).get("d")) {
            b.append(((Map<?, ?>) c).get("t")).append(" | ");
        }
        return b.toString();
    }

    static int count(String s, String part) {
        return s.split(java.util.regex.Pattern.quote(part), -1).length - 1;
    }

    interface Get<T> {
        T get() throws Exception;
    }

    static <T> T waitFor(Get<T> get, java.util.function.Predicate<T> ok, String what) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        T last = null;
        while (System.nanoTime() < deadline) {
            last = get.get();
            if (ok.test(last)) {
                return last;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(what + " within 60 s; last: " + last);
    }
}
