package jfunc.certs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jfunc.certs.enrol.EnrolmentClient;
import jfunc.common.HostPort;
import jfunc.common.StateDir;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `jfunc-ca serve` as a real process: it enrols a minion, stops on SIGTERM, and refuses bad setups. */
class ServeProcessTest {
    @TempDir
    Path dir;

    @Test
    void serveEnrolsAMinionAndStopsOnSigterm() throws Exception {
        assertEquals(0, CaCliTestAccess.run("--state-dir", dir.toString(), "init"));
        Process serve = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), CaCli.class.getName(),
                "--state-dir", dir.toString(), "serve", "--listen", "127.0.0.1:0", "--autosign", "*.test")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            BufferedReader err = new BufferedReader(new InputStreamReader(serve.getErrorStream(), StandardCharsets.UTF_8));
            Pattern ready = Pattern.compile("enrolment service on 127\\.0\\.0\\.1:(\\d+)");
            Integer port = null;
            for (String line; port == null && (line = err.readLine()) != null; ) {
                Matcher m = ready.matcher(line);
                if (m.find()) {
                    port = Integer.valueOf(m.group(1));
                }
            }
            assertNotNull(port, "serve said where it listens");
            StateDir state = new StateDir(dir);
            var creds = new EnrolmentClient(state.minion("web1.test"), "web1.test", "127.0.0.1:52001",
                    new HostPort("127.0.0.1", port)).withBackoff(Duration.ofMillis(100), Duration.ofMillis(500))
                    .withMaxWait(Duration.ofSeconds(20)).enrol();
            assertEquals("web1.test", creds.identity().name());
            serve.destroy(); // SIGTERM
            assertTrue(serve.waitFor(10, TimeUnit.SECONDS), "serve stopped on SIGTERM");
        } finally {
            serve.destroyForcibly();
        }
    }

    @Test
    void aTakenPortOrABadListenAddressIsAUsageError() throws Exception {
        assertEquals(0, CaCliTestAccess.run("--state-dir", dir.toString(), "init"));
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertEquals(2, CaCliTestAccess.run("--state-dir", dir.toString(), "serve", "--listen",
                    "127.0.0.1:" + taken.getLocalPort()));
        }
        assertEquals(2, CaCliTestAccess.run("--state-dir", dir.toString(), "serve", "--listen", "127.0.0.1:99999"));
        assertEquals(2, CaCliTestAccess.run("--state-dir", dir.toString(), "serve", "--autosign", "[web"));
        assertEquals(2, CaCliTestAccess.run("--state-dir", dir.resolve("none").toString(), "serve", "--listen", "127.0.0.1:0"));
    }
}
