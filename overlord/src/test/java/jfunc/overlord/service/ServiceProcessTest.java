package jfunc.overlord.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import jfunc.common.StateDir;
import jfunc.overlord.MinionAddress;
import jfunc.overlord.cli.JfuncCli;
import jfunc.overlord.jobs.RealMinions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real jfunc-overlord process and real jfunc processes: the CLI in service mode loads neither
 * TLS nor MapDB, JFUNC_SERVICE=off runs embedded; the service re-reads the inventory when a CA
 * record appears, and on SIGHUP its config (here job_retention, which then purges at once).
 */
@Timeout(240)
class ServiceProcessTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {}

    static Run jfunc(StateDir state, Map<String, String> env, List<String> jvm, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        cmd.addAll(jvm);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), JfuncCli.class.getName(),
                "--state-dir", state.root().toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder b = new ProcessBuilder(cmd);
        b.environment().remove("JFUNC_SERVICE");
        b.environment().putAll(env);
        Process p = b.start();
        var out = p.getInputStream().readAllBytes();
        var err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    static Process service(StateDir state, Path config, Path log) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "jfunc.overlord.service.ServiceCli", "--state-dir", state.root().toString(), "--config", config.toString())
                .directory(log.getParent().toFile())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < end) {
            if (Files.readString(log).contains("serving " + state.root())) {
                return p;
            }
            assertTrue(p.isAlive(), "the service died: " + Files.readString(log));
            Thread.sleep(100);
        }
        throw new AssertionError("the service did not come up: " + Files.readString(log));
    }

    static void waitFor(Path log, String text) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.readString(log).contains(text)) {
            assertTrue(System.nanoTime() < end, "no '" + text + "' in the service's log: " + Files.readString(log));
            Thread.sleep(100);
        }
    }

    @Test
    void serviceModeLoadsNoTlsNorMapDbAndTheServiceFollowsItsFilesAndSighup() throws Exception {
        try (RealMinions fleet = new RealMinions(dir.resolve("fleet"))) {
            MinionAddress a = fleet.start("a.example.org");
            MinionAddress b = fleet.start("b.example.org");
            StateDir state = fleet.overlordState(dir.resolve("state"), List.of(a));
            Path config = dir.resolve("overlord.conf");
            Files.writeString(config, "metrics_listen = 127.0.0.1:0\ninventory_check = 1s\njob_retention = 30d\n");
            Path log = dir.resolve("service.log");
            Process service = service(state, config, log);
            try {
                Run ping = jfunc(state, Map.of(), List.of("-verbose:class"), "*", "ping");
                assertEquals(0, ping.code, ping.err);
                assertTrue(ping.out.contains("a.example.org"), ping.out);
                assertFalse(ping.out.contains("org.mapdb"), "service mode loaded MapDB");
                assertFalse(ping.out.contains("javax.net.ssl.SSLContext "), "service mode loaded TLS");
                assertFalse(ping.out.contains("jfunc.common.tls."), "service mode read the identity");
                Run list = jfunc(state, Map.of(), List.of("-verbose:class"), "job", "list");
                assertEquals(0, list.code, list.err);
                assertTrue(list.out.contains("test.ping"), "the ping is a job: " + list.out);
                assertFalse(list.out.contains("org.mapdb"), "job list in service mode loaded MapDB");

                Run off = jfunc(state, Map.of("JFUNC_SERVICE", "off"), List.of("-verbose:class"), "*", "ping");
                assertEquals(0, off.code, off.err);
                assertTrue(off.out.contains("javax.net.ssl.SSLContext "), "JFUNC_SERVICE=off runs embedded");

                // a minion enrols while the service runs: its CA record appears, the service re-reads
                Files.writeString(state.ca().resolve("records").resolve("b.example.org.properties"),
                        "name=b.example.org\naddress=" + b.hostPort() + "\nstate=signed\nserial=01\n");
                waitFor(log, "the inventory changed: re-read");
                Run both = jfunc(state, Map.of(), List.of(), "*", "ping");
                assertEquals(0, both.code, both.err);
                assertTrue(both.out.contains("b.example.org"), both.out);

                // SIGHUP re-reads the config: a short job_retention purges the finished jobs above at once
                Run sleeping = jfunc(state, Map.of(), List.of(), "*", "call", "test", "sleep", "40", "--async");
                assertEquals(0, sleeping.code, sleeping.err);
                Files.writeString(config, "metrics_listen = 127.0.0.1:0\ninventory_check = 1s\njob_retention = 1s\nforks = 7\n");
                Thread.sleep(1100);
                assertEquals(0, new ProcessBuilder("kill", "-HUP", Long.toString(service.pid())).start().waitFor());
                waitFor(log, "re-read the config (forks 7");
                waitFor(log, "older than job_retention");
                Run after = jfunc(state, Map.of(), List.of(), "job", "list", "--json");
                assertEquals(0, after.code, after.err);
                assertFalse(after.out.contains("test.ping"), "purged: " + after.out);
                assertTrue(after.out.contains(sleeping.out.strip()), "an unfinished job is kept: " + after.out);
                assertTrue(service.isAlive());

                assertEquals(0, new ProcessBuilder("kill", "-TERM", Long.toString(service.pid())).start().waitFor());
                assertTrue(service.waitFor(30, TimeUnit.SECONDS));
                assertFalse(Files.exists(ServiceClient.socket(state)), "the socket is removed at stop");
            } finally {
                service.destroyForcibly();
            }
        }
    }
}
