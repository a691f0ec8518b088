package jfunc.overlord.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jfunc.common.StateDir;
import jfunc.common.tls.Identity;
import jfunc.common.tls.Pem;
import jfunc.overlord.MinionAddress;
import jfunc.overlord.testing.LoopbackFleet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The jfunc CLI against a real jfuncd process (the minion module's main class) on loopback. */
class JfuncdProcessTest {
    @TempDir
    Path dir;

    @Test
    void pingAndCommandRunAgainstARealMinionProcess() throws Exception {
        try (LoopbackFleet fleet = new LoopbackFleet()) {
            int port = freePort();
            MinionAddress web1 = new MinionAddress("web1.example.org", "127.0.0.1", port);
            StateDir state = fleet.writeState(dir, List.of(web1, fleet.dead("dead.example.org")));
            writeMinionFiles(fleet, state, web1.name());
            Process jfuncd = startJfuncd(state, web1);
            try {
                awaitPort(port, jfuncd);
                Run ping = jfunc("--state-dir", dir.toString(), "*", "ping", "--timeout", "10");
                assertEquals(1, ping.code, ping.err);
                assertEquals(java.util.Map.of("dead.example.org", "unreachable", "web1.example.org", "ok"),
                        CliTest.statuses(ping.out));
                assertTrue(ping.out.matches("(?s).*dead.example.org  unreachable  127.0.0.1:\\d+: .*refused.*"), ping.out);
                Run run = jfunc("--state-dir", dir.toString(), "web1*", "call", "command", "run", "echo hello; echo oops >&2");
                assertEquals(0, run.code, run.err + run.out);
                assertEquals("MINION            STATUS  RESULT\nweb1.example.org  ok      exit 0\n"
                        + "    out| hello\n    err| oops\n", run.out);
                Run unknown = jfunc("--state-dir", dir.toString(), "web1*", "call", "nope", "nothing", "--json");
                assertEquals(2, unknown.code);
                assertEquals("error: unknown method nope.nothing on web1.example.org; list them with: jfunc"
                        + " web1.example.org call system list_methods\n", unknown.err);
                Run fault = jfunc("--state-dir", dir.toString(), "web1*", "call", "test", "sleep", "1000");
                assertEquals(1, fault.code);
                assertTrue(fault.out.contains("bad-arguments  test.sleep: seconds must be between"), fault.out);
                String log = Files.readString(dir.resolve("jfuncd.log"));
                assertTrue(log.matches("(?s).*jfunc.audit - caller=overlord method=command.run outcome=ok ms=[0-9.]+\n.*"), log);
                assertTrue(log.contains("jfunc.audit - caller=overlord method=test.sleep outcome=fault_103_bad-arguments ms="), log);
                assertTrue(!log.contains("echo hello"), "no argument values in the audit: " + log);
            } finally {
                jfuncd.destroy();
                if (!jfuncd.waitFor(10, TimeUnit.SECONDS)) {
                    jfuncd.destroyForcibly();
                }
            }
        }
    }

    record Run(int code, String out, String err) {}

    static Run jfunc(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = JfuncCli.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Run(code, out.toString(), err.toString());
    }

    static void writeMinionFiles(LoopbackFleet fleet, StateDir state, String name) throws Exception {
        Identity id = fleet.pki.minion(name);
        Path m = Files.createDirectories(state.minion(name));
        Files.writeString(m.resolve("minion.key"), Pem.encodePrivateKey(id.key()));
        Files.writeString(m.resolve("minion.crt"), Pem.encode(id.certificate()));
        Files.writeString(m.resolve("ca.crt"), Pem.encode(fleet.pki.caCertificate()));
        Files.writeString(m.resolve("crl.pem"), Pem.encode(fleet.pki.crl()));
    }

    Process startJfuncd(StateDir state, MinionAddress m) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-XX:TieredStopAtLevel=1",
                "jfunc.minion.cli.MinionCli", "--state-dir", state.root().toString(), "--name", m.name(),
                "--listen", m.hostPort()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("jfuncd.log").toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("JFUNC_"));
        return pb.start();
    }

    void awaitPort(int port, Process p) throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < until) {
            if (!p.isAlive()) {
                throw new AssertionError("jfuncd exited " + p.exitValue() + ":\n" + Files.readString(dir.resolve("jfuncd.log")));
            }
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (java.io.IOException notYet) {
                Thread.sleep(100);
            }
        }
        throw new AssertionError("jfuncd did not listen within 30 s:\n" + Files.readString(dir.resolve("jfuncd.log")));
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
