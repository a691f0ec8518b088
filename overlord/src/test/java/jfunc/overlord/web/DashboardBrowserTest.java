package jfunc.overlord.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import jfunc.common.StateDir;
import jfunc.overlord.MinionAddress;
import jfunc.overlord.jobs.RealMinions;
import jfunc.overlord.service.OverlordService;
import jfunc.overlord.service.ServiceTesting;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The dashboard in a real headless Chromium (Debian's chromium and chromedriver, driven through
 * WebDriver), served by a real jfunc-overlord with real minions. One browser for the class.
 * Without the browser the class is skipped, except where JFUNC_REQUIRE_BROWSER is set (CI:
 * .ci/run installs both and sets it), where that is a failure. Screenshots: target/dashboard-*.png.
 */
@Timeout(300)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardBrowserTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    static Path dir;
    static RealMinions fleet;
    static StateDir state;
    static OverlordService service;
    static ChromeDriver browser;
    static String base;

    @BeforeAll
    static void start() throws Exception {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!present && System.getenv("JFUNC_REQUIRE_BROWSER") != null) {
            throw new AssertionError("JFUNC_REQUIRE_BROWSER is set but " + CHROMIUM + " or " + CHROMEDRIVER
                    + " is missing (apt-get install chromium chromium-driver)");
        }
        Assumptions.assumeTrue(present, "no " + CHROMIUM + " and " + CHROMEDRIVER
                + " (apt-get install chromium chromium-driver): browser tests skipped");
        fleet = new RealMinions(dir.resolve("fleet"));
        List<MinionAddress> all = new ArrayList<>();
        for (String name : List.of("db1.example.org", "web1.example.org", "web2.example.org", "web3.example.org")) {
            all.add(fleet.start(name));
        }
        state = fleet.overlordState(dir.resolve("state"), all);
        // the CA's copy of one certificate (a CA sharing the state dir): its expiry is shown, flagged (1 day left)
        java.security.cert.X509Certificate cert = new jfunc.common.testing.TestPki().minion("db1.example.org").certificate();
        Files.writeString(Files.createDirectories(state.ca().resolve("signed")).resolve("db1.example.org.crt"),
                jfunc.common.tls.Pem.encode(cert));
        service = ServiceTesting.startWithDashboard(state, Duration.ofSeconds(1));
        base = "http://127.0.0.1:" + service.dashboardPort();

        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toString());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,800",
                "--user-data-dir=" + Files.createDirectories(dir.resolve("chromium-profile")));
        ChromeDriverService driver = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().withTimeout(WAIT).build();
        browser = new ChromeDriver(driver, options);
        browser.manage().timeouts().pageLoadTimeout(WAIT).scriptTimeout(Duration.ofSeconds(30));
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (service != null) {
            service.close();
        }
        if (fleet != null) {
            fleet.close();
        }
    }

    static Object js(String script, Object... args) {
        return ((JavascriptExecutor) browser).executeScript(script, args);
    }

    /** The visible text of the table row of {@code key} ("" when absent). */
    static String row(String key) {
        Object t = js("var r = document.querySelector('#rows tr[data-key=\"' + arguments[0] + '\"]');"
                + " return r ? r.innerText : '';", key);
        return t == null ? "" : t.toString();
    }

    /** Polls {@code get} (a page that updates itself; never reloaded here) until {@code ok}, at most {@link #WAIT}. */
    static String until(java.util.function.Supplier<String> get, Predicate<String> ok, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        String last = null;
        while (System.nanoTime() < deadline) {
            try {
                last = get.get();
                if (ok.test(last)) {
                    return last;
                }
            } catch (WebDriverException e) {
                last = e.toString(); // a row replaced while it was read: read again
            }
            Thread.sleep(100);
        }
        throw new AssertionError(what + " within " + WAIT.toSeconds() + " s; last: " + last);
    }

    static void screenshot(String name) throws Exception {
        Path target = Files.createDirectories(Path.of("target"));
        Files.write(target.resolve("dashboard-" + name + ".png"), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
    }

    static String body() {
        return String.valueOf(js("return document.body.innerText;"));
    }

    @Test
    @Order(1)
    void aRequestWithoutTheTokenIsRefusedAndTheTokenUrlLeavesACookieAndAUrlWithoutIt() throws Exception {
        browser.get(base + "/minions");
        assertTrue(body().contains("Token needed"), body());
        assertFalse(body().contains("web1.example.org"));
        String token = Files.readString(state.overlord().resolve(WebToken.FILE)).strip();
        browser.get(base + "/?token=" + token);
        assertEquals(base + "/", browser.getCurrentUrl(), "redirected to the page without the token");
        assertFalse(browser.getCurrentUrl().contains(token));
        assertTrue(browser.manage().getCookieNamed(Dashboard.COOKIE).isHttpOnly());
        assertNull(js("return document.cookie.indexOf('" + Dashboard.COOKIE + "') >= 0 ? 'seen' : null;"),
                "the cookie is HttpOnly: no script reads it");
    }

    @Test
    @Order(2)
    void theMinionListShowsTheMinionsAndAStoppedOneTurnsNotAnswering() throws Exception {
        browser.get(base + "/minions");
        for (String m : List.of("db1.example.org", "web1.example.org", "web2.example.org", "web3.example.org")) {
            until(() -> row(m), r -> r.contains("answering") && r.contains(" ms"), m + " answering");
        }
        String db1 = row("db1.example.org");
        assertTrue(db1.contains(cert().substring(0, 10)), "its certificate expiry: " + db1);
        assertEquals("soon", js("return document.querySelector('#rows tr[data-key=\"db1.example.org\"] td.soon')"
                + ".className;"), "highlighted under 30 days");
        js("window.jfuncSamePage = 1;");
        fleet.stop("web3.example.org");
        String web3 = until(() -> row("web3.example.org"), r -> r.contains("not answering since 20"), "web3 not answering");
        assertTrue(web3.contains(" ms"), "still its last RTT and last seen: " + web3);
        assertEquals(1L, js("return window.jfuncSamePage;"), "updated live, not reloaded");
        until(() -> String.valueOf(js("return document.getElementById('info').innerText;")),
                t -> t.matches("(?s).*Not answering\\s*:?\\s*1.*"), "the count of minions not answering");
        screenshot("minions");

        browser.get(base + "/minions?target=" + Html.url("web*;!web3*"));
        String rows = String.valueOf(js("return document.getElementById('rows').innerText;"));
        assertTrue(rows.contains("web1.example.org") && rows.contains("web2.example.org"), rows);
        assertFalse(rows.contains("web3.example.org") || rows.contains("db1.example.org"), rows);
        assertEquals("web*;!web3*", js("return document.getElementById('target').value;"));
    }

    static String cert() throws Exception {
        java.security.cert.CertificateFactory f = java.security.cert.CertificateFactory.getInstance("X.509");
        try (var in = Files.newInputStream(state.ca().resolve("signed/db1.example.org.crt"))) {
            return ((java.security.cert.X509Certificate) f.generateCertificate(in)).getNotAfter().toInstant().toString();
        }
    }

    @Test
    @Order(3)
    void aRunningJobsPageFillsInLiveAndMinionOutputWithScriptIsShownAsTextAndRunsNothing() throws Exception {
        Path go = dir.resolve("go");
        String hostile = "<script>window.pwned=1</script><img src=x onerror=\"window.pwned=2\">";
        // each minion waits for the test's signal (at most 60 s), then prints markup
        String cmd = "i=0; while [ ! -e '" + go + "' ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done;"
                + " echo released; printf '%s\\n' '" + hostile + "'";
        String id = DashboardTest.runIn(state, "web1.example.org;web2.example.org", "call", "command", "run", cmd,
                "--async").out().strip();
        browser.get(base + "/job/" + id);
        for (String m : List.of("web1.example.org", "web2.example.org")) {
            until(() -> row(m), r -> r.contains("running"), m + " running");
        }
        assertEquals("true", js("return document.body.getAttribute('data-still-live');"));
        js("window.jfuncSamePage = 1;");
        Files.writeString(go, "");
        for (String m : List.of("web1.example.org", "web2.example.org")) {
            until(() -> row(m), r -> r.contains("finished") && r.contains("released"), m + " finished, live");
        }
        assertEquals(1L, js("return window.jfuncSamePage;"), "filled in by the page's updates, not a reload");
        assertTrue(row("web1.example.org").contains(hostile), "shown as text: " + row("web1.example.org"));
        assertNull(js("return window.pwned === undefined ? null : window.pwned;"), "the minion's markup ran nothing");
        assertEquals(0L, js("return document.querySelectorAll('#rows script, #rows img').length;"));
        until(() -> String.valueOf(js("return document.getElementById('updated').innerText;")), t -> t.contains("(final)"),
                "the page stops polling a finished job");
        screenshot("job");

        browser.get(base + "/job/" + id); // the finished job, rendered by the server
        assertTrue(row("web2.example.org").contains(hostile), row("web2.example.org"));
        assertNull(js("return window.pwned === undefined ? null : window.pwned;"), "the server-rendered page too");
        assertEquals(0L, js("return document.querySelectorAll('#rows script, #rows img').length;"));

        browser.get(base + "/jobs");
        until(() -> row(id), r -> r.contains("FINISHED"), "the job in the list");
        screenshot("jobs");
        browser.get(base + "/health");
        assertTrue(body().contains("Pooled connections") && body().contains("Calls in flight"), body());
        screenshot("health");
    }
}
