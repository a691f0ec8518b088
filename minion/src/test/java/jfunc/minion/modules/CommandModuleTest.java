package jfunc.minion.modules;

import jfunc.minion.testing.TestMinion;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import jfunc.common.Faults;
import jfunc.minion.testing.TestMinion;
import org.apache.xmlrpc.XmlRpcException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** command.run through a real client over mutual TLS, running real processes. */
class CommandModuleTest {
    @TempDir
    static Path dir;
    static TestMinion minion;

    @BeforeAll
    static void start() throws Exception {
        minion = TestMinion.start(dir.resolve("state"), Map.of("command_output_cap", "1000"), List.of());
    }

    @AfterAll
    static void stop() {
        minion.close();
    }

    static Object[] run(Object cmd, Map<String, Object> options) throws XmlRpcException {
        return (Object[]) (options == null ? minion.call("command.run", cmd) : minion.call("command.run", cmd, options));
    }

    static XmlRpcException fault(Object... params) {
        return assertThrows(XmlRpcException.class, () -> minion.call("command.run", params));
    }

    @Test
    void stringRunsThroughTheShell() throws Exception {
        Object[] r = run("echo hello; echo oops >&2; exit 3", null);
        assertEquals(3, r[0]);
        assertEquals("hello\n", r[1]);
        assertEquals("oops\n", r[2]);
    }

    @Test
    void arrayIsArgvWithoutAShell() throws Exception {
        Object[] r = run(new Object[] {"echo", "$HOME", "a;b"}, null);
        assertEquals(0, r[0]);
        assertEquals("$HOME a;b\n", r[1]);
    }

    @Test
    void optionsSetCwdAndEnvironment() throws Exception {
        Path work = Files.createDirectories(dir.resolve("work"));
        Object[] r = run("pwd; echo \"$JFUNC_TEST_VAR\"", Map.of("cwd", work.toString(),
                "env", Map.of("JFUNC_TEST_VAR", "forty two"), "timeout", 20));
        assertEquals(work.toRealPath() + "\nforty two\n", r[1]);
    }

    @Test
    void userAndGroupRunTheChildAsThemWithoutAShellTrick() throws Exception {
        Assumptions.assumeTrue(RunAs.minionIsRoot(), "runas needs a minion running as root");
        Object[] r = run("id -u; id -g; id -G; echo \"$HOME $USER\"", Map.of("user", "nobody"));
        assertEquals(0, r[0], (String) r[2]);
        assertEquals("65534\n65534\n65534\n/nonexistent nobody\n", r[1]);

        Object[] argv = run(new Object[] {"id", "-u"}, Map.of("user", "65534"));
        assertEquals("65534\n", argv[1]);

        Object[] groupOnly = run("id -u; id -g; id -G", Map.of("group", "nogroup"));
        assertEquals("0\n65534\n65534\n", groupOnly[1]);

        XmlRpcException unknown = fault("id", Map.of("user", "no-such-user-here"));
        assertEquals(Faults.BAD_ARGUMENTS, unknown.code);
        assertEquals("command.run: option user: no user 'no-such-user-here' on this minion", unknown.getMessage());
        XmlRpcException shellish = fault("id", Map.of("user", "nobody; id"));
        assertEquals("command.run: option user must be a name or a number, got 'nobody; id'", shellish.getMessage());
    }

    @Test
    void userIsRefusedClearlyWhenTheMinionIsNotRoot() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RunAs.resolve("command.run", "nobody", null, false));
        assertTrue(e.getMessage().startsWith("command.run: options user and group need a minion running as root;"
                + " this one runs as uid "), e.getMessage());
    }

    @Test
    void outputIsCappedWithAMarkerAndBothStreamsAreDrained() throws Exception {
        // 2 MB on each stream: a process whose stderr pipe filled up would block forever
        Object[] r = run("head -c 2000000 /dev/zero | tr '\\000' o; head -c 2000000 /dev/zero | tr '\\000' e >&2; echo done >&2",
                null);
        assertEquals(0, r[0]);
        assertEquals("o".repeat(1000) + "\n[jfunc: output truncated at 1000 bytes]", r[1]);
        assertTrue(((String) r[2]).startsWith("e".repeat(1000) + "\n[jfunc: output truncated"), (String) r[2]);
    }

    @Test
    void controlCharactersDoNotBreakTheReply() throws Exception {
        Object[] r = run("printf 'a\\001b\\000c'", null);
        assertEquals("a\uFFFDb\uFFFDc", r[1]);
    }

    @Test
    void timeoutKillsTheWholeProcessTree() throws Exception {
        Path pidFile = dir.resolve("sleep.pid");
        XmlRpcException e = fault("sleep 300 & echo $! > " + pidFile + "; wait", Map.of("timeout", 1));
        assertEquals(Faults.TIMEOUT, e.code);
        assertTrue(e.getMessage().startsWith("command.run: timed out after 1 s; killed process"), e.getMessage());
        long pid = Long.parseLong(Files.readString(pidFile).trim());
        assertTrue(waitGone(pid), "sleep " + pid + " still runs");
    }

    /** True once the process is gone (or a zombie waiting for init to reap it). */
    static boolean waitGone(long pid) throws Exception {
        for (int i = 0; i < 100; i++) {
            boolean alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
            Path stat = Path.of("/proc/" + pid + "/stat");
            boolean zombie = false;
            try {
                String s = Files.readString(stat);
                zombie = s.substring(s.lastIndexOf(')') + 2).startsWith("Z");
            } catch (java.io.IOException gone) {
                alive = false;
            }
            if (!alive || zombie) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    @Test
    void badArgumentsAreRefusedBeforeAnythingRuns() {
        XmlRpcException type = fault(42);
        assertEquals(Faults.BAD_ARGUMENTS, type.code);
        assertEquals("command.run: argument 1 must be string or array, got int", type.getMessage());
        assertEquals(Faults.BAD_ARGUMENTS, fault("true", "not options").code);
        XmlRpcException option = fault("true", Map.of("shell", "bash"));
        assertEquals("command.run: unknown option 'shell' (known: timeout, cwd, env, user, group)", option.getMessage());
        assertEquals(Faults.BAD_ARGUMENTS, fault("true", Map.of("timeout", -1)).code);
        assertEquals(Faults.BAD_ARGUMENTS, fault("true", Map.of("timeout", 10_000_000)).code);
        assertEquals(Faults.BAD_ARGUMENTS, fault("true", Map.of("cwd", "/no/such/dir")).code);
        assertEquals(Faults.BAD_ARGUMENTS, fault("true", Map.of("env", Map.of("A", 1))).code);
        assertEquals(Faults.BAD_ARGUMENTS, fault((Object) new Object[] {"echo", 1}).code);
        assertEquals(Faults.BAD_ARGUMENTS, fault((Object) new Object[0]).code);
        assertEquals(Faults.BAD_ARGUMENTS, fault("  ").code);
    }

    @Test
    void aMissingProgramIsAModuleError() {
        XmlRpcException e = fault((Object) new Object[] {"/no/such/program"});
        assertEquals(Faults.MODULE_ERROR, e.code);
        assertTrue(e.getMessage().startsWith("command.run: cannot run '/no/such/program'"), e.getMessage());
        assertFalse(e.getMessage().contains("Exception"), e.getMessage());
    }
}
