package jfunc.minion.modules;

import jfunc.minion.testing.TestMinion;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import jfunc.common.Faults;
import jfunc.minion.testing.TestMinion;
import org.apache.xmlrpc.XmlRpcException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** process, service, facts and test over mutual TLS. */
class HostModulesTest {
    @TempDir
    static Path dir;
    static TestMinion minion;

    @BeforeAll
    static void start() throws Exception {
        // a systemd folder that does not exist: NOT_SUPPORTED whatever host runs the test
        minion = TestMinion.start(dir, Map.of("service_systemd_dir", dir.resolve("no-systemd").toString()), List.of());
    }

    @AfterAll
    static void stop() {
        minion.close();
    }

    static XmlRpcException fault(String method, Object... params) {
        return assertThrows(XmlRpcException.class, () -> minion.call(method, params));
    }

    @Test
    void testModule() throws Exception {
        assertEquals(true, minion.call("test.ping"));
        assertEquals(7, minion.call("test.add", 3, 4));
        Object[] arr = (Object[]) minion.call("test.echo", (Object) new Object[] {1, "a", Map.of("k", 2.5)});
        assertEquals(List.of(1, "a", Map.of("k", 2.5)), Arrays.asList(arr));
        assertEquals(true, minion.call("test.sleep", 0.05));
        assertEquals(Faults.BAD_ARGUMENTS, fault("test.sleep", 301).code);
        assertEquals(Faults.BAD_ARGUMENTS, fault("test.echo").code);
    }

    @Test
    void processInfoListsThisJvm() throws Exception {
        Object[] all = (Object[]) minion.call("process.info");
        long me = ProcessHandle.current().pid();
        Map<?, ?> mine = Arrays.stream(all).map(o -> (Map<?, ?>) o)
                .filter(m -> Integer.valueOf((int) me).equals(m.get("pid"))).findFirst().orElseThrow();
        assertTrue(String.valueOf(mine.get("command")).contains("java"), mine.toString());
        assertTrue(String.valueOf(mine.get("start")).matches("\\d{4}-\\d\\d-\\d\\dT.*Z"), mine.toString());
        assertTrue(mine.get("user") instanceof String, mine.toString());
    }

    @Test
    void processKillSignalsARealProcess() throws Exception {
        Process sleep = new ProcessBuilder("sleep", "300").start();
        try {
            assertEquals(true, minion.call("process.kill", (int) sleep.pid(), "KILL"));
            assertTrue(sleep.waitFor(10, TimeUnit.SECONDS));
            assertEquals(137, sleep.exitValue());
        } finally {
            sleep.destroyForcibly();
        }
        assertEquals(Faults.BAD_ARGUMENTS, fault("process.kill", 1).code);
        assertEquals(Faults.BAD_ARGUMENTS, fault("process.kill", -5).code);
        assertEquals(Faults.BAD_ARGUMENTS, fault("process.kill", (int) ProcessHandle.current().pid()).code);
        assertEquals(Faults.BAD_ARGUMENTS, fault("process.kill", 4_000_000, "NOPE").code);
        XmlRpcException none = fault("process.kill", 4_194_000, "TERM");
        assertEquals(Faults.MODULE_ERROR, none.code);
        assertTrue(none.getMessage().startsWith("process.kill: kill -s TERM 4194000 failed"), none.getMessage());
    }

    @Test
    void serviceWithoutSystemdIsNotSupported() {
        XmlRpcException e = fault("service.status", "sshd.service");
        assertEquals(Faults.NOT_SUPPORTED, e.code);
        assertTrue(e.getMessage().contains("systemd is not the running service manager")
                || e.getMessage().contains("systemctl is not installed"), e.getMessage());
        assertEquals(Faults.NOT_SUPPORTED, fault("service.restart", "nginx").code);
        XmlRpcException bad = fault("service.start", "--force");
        assertEquals(Faults.BAD_ARGUMENTS, bad.code);
        assertEquals("service.start: '--force' is not a valid unit name", bad.getMessage());
        assertEquals(Faults.BAD_ARGUMENTS, fault("service.stop", "a b").code);
    }

    @Test
    void factsDescribeTheHost() throws Exception {
        Map<?, ?> f = (Map<?, ?>) minion.call("facts.all");
        assertTrue(f.get("cpus") instanceof Integer c && c > 0, f.toString());
        assertTrue(String.valueOf(((Map<?, ?>) f.get("memory")).get("total")).matches("\\d{7,}"), f.toString());
        assertTrue(f.get("disks") instanceof Object[], f.toString());
        assertTrue(f.get("uptime") instanceof Integer, f.toString());
        Process hostname = new ProcessBuilder("hostname").start();
        String kernelName = new String(hostname.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
        assertEquals(kernelName, f.get("hostname"), "what hostname prints, not a reverse lookup");
        assertTrue(f.get("fqdn") instanceof String q && q.startsWith(kernelName), f.toString());
        assertTrue(String.valueOf(f.get("kernel")).startsWith("Linux"), f.toString());
        assertEquals(TestMinion.NAME, f.get("minion"));
        assertTrue(String.valueOf(f.get("jfunc_version")).matches("\\d+\\.\\d+.*"), f.toString());
    }
}
