package jfunc.minion.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.net.InetSocketAddress;
import jfunc.certs.CaSettings;
import jfunc.certs.CaStore;
import jfunc.certs.service.EnrolmentService;
import jfunc.common.ExitCodes;
import jfunc.common.StateDir;
import jfunc.common.tls.CaTrust;
import jfunc.common.tls.Pem;
import jfunc.common.tls.TlsContexts;
import jfunc.common.rpc.RpcClient;
import jfunc.common.testing.TestPki;
import jfunc.common.tls.CertIssuer;
import jfunc.common.tls.Identity;
import jfunc.minion.MinionIdentity;
import org.apache.xmlrpc.XmlRpcException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** jfuncd as a real process: serves, applies a new CRL on SIGHUP, stops cleanly on SIGTERM. */
class JfuncdProcessTest {
    static final String NAME = "m1.example.org";
    static final Pattern SERVING = Pattern.compile("jfuncd: serving (\\S+) on 127\\.0\\.0\\.1:(\\d+) \\(certificate SHA-256 [0-9A-F:]+\\)");

    @TempDir
    Path state;

    /** Starts jfuncd with this JVM and class path; stderr lines go to {@code lines}. */
    static Process start(Path state, LinkedBlockingQueue<String> lines, String... extra) throws Exception {
        return start(List.of(), state, lines, extra);
    }

    /** The same, with {@code prefix} (e.g. nohup) before the java command. */
    static Process start(List<String> prefix, Path state, LinkedBlockingQueue<String> lines, String... extra)
            throws Exception {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-Xmx64m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                "jfunc.minion.cli.MinionCli", "--state-dir", state.toString(), "--name", NAME));
        if (!List.of(extra).contains("--listen")) {
            cmd.addAll(List.of("--listen", "127.0.0.1:0"));
        }
        cmd.addAll(List.of(extra));
        // Output goes to a file: reading a pipe races with the JDK draining it when the process exits.
        Path log = Files.createTempFile(state, "jfuncd", ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("JFUNC_ACL_FILE", state.resolve("acl.conf").toString());
        Process p = pb.start();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = Files.newBufferedReader(log, StandardCharsets.UTF_8)) {
                while (true) {
                    String line = r.readLine();
                    if (line != null) {
                        lines.add(line);
                    } else if (p.isAlive()) {
                        Thread.sleep(50);
                    } else if ((line = r.readLine()) != null) {
                        lines.add(line);
                    } else {
                        return;
                    }
                }
            } catch (java.io.IOException | InterruptedException e) {
                // give up reading
            }
        });
        reader.setDaemon(true);
        reader.start();
        return p;
    }

    static Matcher awaitServing(Process p, LinkedBlockingQueue<String> lines, List<String> seen) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            String line = lines.poll(200, TimeUnit.MILLISECONDS);
            if (line != null) {
                seen.add(line);
                Matcher m = SERVING.matcher(line);
                if (m.find()) {
                    return m;
                }
            } else if (!p.isAlive()) {
                break;
            }
        }
        throw new AssertionError("jfuncd did not start serving: " + String.join("\n", seen));
    }

    @Test
    void servesAppliesCrlOnHangupAndStopsOnTerm() throws Exception {
        TestPki pki = new TestPki();
        Identity minion = pki.minion(NAME);
        MinionIdentity files = new MinionIdentity(state.resolve("minion").resolve(NAME));
        files.write(minion, pki.caCertificate(), pki.crl());
        Files.writeString(state.resolve("acl.conf"), "helper.example.org = test.*\n");

        LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        List<String> seen = new ArrayList<>();
        Process p = start(state, lines, "--ca", "127.0.0.1:1"); // no CA: the CRL comes from crl.pem
        try {
            Matcher serving = awaitServing(p, lines, seen);
            assertEquals(NAME, serving.group(1));
            var endpoint = new RpcClient.Endpoint(NAME, "127.0.0.1", Integer.parseInt(serving.group(2)));
            RpcClient overlord = new RpcClient(pki.context(pki.overlord()), Duration.ofSeconds(5), Duration.ofSeconds(30));
            assertEquals(true, overlord.call(endpoint, "test.ping"));

            // a second jfuncd on the same minion folder (another port) stops at once and says who runs
            LinkedBlockingQueue<String> secondLines = new LinkedBlockingQueue<>();
            Process second = start(state, secondLines, "--ca", "127.0.0.1:1");
            assertTrue(second.waitFor(60, TimeUnit.SECONDS), "a second jfuncd on the same folder kept running");
            assertEquals(ExitCodes.USAGE, second.exitValue());
            List<String> secondSeen = new ArrayList<>();
            String l;
            while ((l = secondLines.poll(2, TimeUnit.SECONDS)) != null) {
                secondSeen.add(l);
            }
            assertTrue(secondSeen.stream().anyMatch(x -> x.contains("another jfuncd (pid " + p.pid() + ") already runs on")),
                    String.join("\n", secondSeen));
            assertEquals(true, overlord.call(endpoint, "test.ping"), "the first one keeps serving");

            Object[] r = (Object[]) overlord.call(endpoint, "command.run", "echo hi");
            assertArrayEquals(new Object[] {0, "hi\n", ""}, r);

            // a helper granted test.* works until it is revoked and the minion is told (SIGHUP)
            Identity helper = pki.identity("helper.example.org", CertIssuer.Usage.CLIENT);
            assertEquals(true, new RpcClient(pki.context(helper), Duration.ofSeconds(5), Duration.ofSeconds(5))
                    .call(endpoint, "test.ping"));
            pki.revoke(helper);
            files.writeCrl(pki.crl());
            assertEquals(0, new ProcessBuilder("kill", "-HUP", String.valueOf(p.pid())).start().waitFor());
            boolean refused = false;
            for (int i = 0; i < 50 && !refused; i++) {
                RpcClient fresh = new RpcClient(pki.context(helper), Duration.ofSeconds(5), Duration.ofSeconds(5));
                try {
                    fresh.call(endpoint, "test.ping");
                    Thread.sleep(100);
                } catch (XmlRpcException e) {
                    refused = true;
                }
            }
            assertTrue(refused, "the revoked helper was still served after SIGHUP");
            assertEquals(true, overlord.call(endpoint, "test.ping"));

            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "jfuncd did not stop on SIGTERM");
            assertEquals(ExitCodes.OK, p.exitValue());
            String line;
            while ((line = lines.poll(2, TimeUnit.SECONDS)) != null) {
                seen.add(line);
            }
            assertTrue(seen.contains("jfuncd: stopped"), String.join("\n", seen));
            assertThrows(XmlRpcException.class, () -> overlord.call(endpoint, "test.ping"));
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void enrolsWithTheCaOnFirstStartThenServes() throws Exception {
        CaStore store = new CaStore(new StateDir(state), CaSettings.defaults());
        store.init("overlord");
        Files.writeString(state.resolve("acl.conf"), "# only the overlord\n");
        try (EnrolmentService ca = EnrolmentService.start(store, new InetSocketAddress("127.0.0.1", 0),
                EnrolmentService.autosign("*.example.org"))) {
            LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
            List<String> seen = new ArrayList<>();
            int port;
            try (var free = new java.net.ServerSocket(0)) {
                port = free.getLocalPort();
            }
            Process p = start(state, lines, "--ca", "127.0.0.1:" + ca.address().getPort(), "--listen", "127.0.0.1:" + port);
            try {
                Matcher serving = awaitServing(p, lines, seen);
                assertTrue(seen.stream().anyMatch(l -> l.contains("enrolling " + NAME)), String.join("\n", seen));
                Path o = state.resolve("overlord");
                Identity overlord = Identity.load(o.resolve("overlord.key"), o.resolve("overlord.crt"));
                CaTrust trust = new CaTrust(Pem.readCertificate(o.resolve("ca.crt")), null);
                RpcClient client = new RpcClient(TlsContexts.mutual(overlord, trust), Duration.ofSeconds(5), Duration.ofSeconds(30));
                var endpoint = new RpcClient.Endpoint(NAME, "127.0.0.1", Integer.parseInt(serving.group(2)));
                assertEquals(true, client.call(endpoint, "test.ping"));
                assertTrue(new MinionIdentity(state.resolve("minion").resolve(NAME)).exists());
                // the CA recorded where the overlord should call this minion
                assertTrue(store.list().stream().anyMatch(r -> r.name().equals(NAME) && r.address().equals("127.0.0.1:" + port)),
                        store.list().toString());
                p.destroy();
                assertTrue(p.waitFor(30, TimeUnit.SECONDS));
                assertEquals(ExitCodes.OK, p.exitValue());
            } finally {
                p.destroyForcibly();
            }
        }
    }

    /** Issue 15, finding 8: under nohup SIGHUP cannot reload anything; jfuncd says so at start. */
    @Test
    void warnsAtStartWhenSighupCannotBeHandled() throws Exception {
        TestPki pki = new TestPki();
        new MinionIdentity(state.resolve("minion").resolve(NAME)).write(pki.minion(NAME), pki.caCertificate(), pki.crl());
        Files.writeString(state.resolve("acl.conf"), "");
        LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        List<String> seen = new ArrayList<>();
        Process p = start(List.of("nohup"), state, lines, "--ca", "127.0.0.1:1");
        try {
            awaitServing(p, lines, seen);
            assertTrue(seen.stream().anyMatch(l -> l.contains("WARN") && l.contains("SIGHUP cannot be handled")
                    && l.contains("nohup")), String.join("\n", seen));
        } finally {
            p.destroy();
            p.waitFor(30, TimeUnit.SECONDS);
            p.destroyForcibly();
        }
        // without nohup there is no such warning
        LinkedBlockingQueue<String> plain = new LinkedBlockingQueue<>();
        List<String> plainSeen = new ArrayList<>();
        Process q = start(state, plain, "--ca", "127.0.0.1:1");
        try {
            awaitServing(q, plain, plainSeen);
            assertFalse(plainSeen.stream().anyMatch(l -> l.contains("SIGHUP cannot be handled")), String.join("\n", plainSeen));
        } finally {
            q.destroy();
            q.waitFor(30, TimeUnit.SECONDS);
            q.destroyForcibly();
        }
    }

    @Test
    void enrolmentThatCannotFinishOrBadConfigFails() throws Exception {
        Path conf = state.resolve("minion.conf");
        Files.writeString(conf, "enrol_max_wait = 1s\nacl_file = acl.conf\n");
        Files.writeString(state.resolve("acl.conf"), "");
        assertEquals(ExitCodes.FAILED, MinionCli.run("--config", conf.toString(), "--state-dir", state.toString(),
                "--name", NAME, "--listen", "127.0.0.1:0", "--ca", "127.0.0.1:1"));
        assertEquals(ExitCodes.USAGE, MinionCli.run("--state-dir", state.toString(), "--name", "../evil"));
        assertEquals(ExitCodes.USAGE, MinionCli.run("--state-dir", state.toString(), "--listen", "nowhere:99999"));
        assertEquals(ExitCodes.USAGE, MinionCli.run("--config", state.resolve("missing.conf").toString()));
        assertEquals(ExitCodes.USAGE, MinionCli.run("--bogus-flag"));
    }
}
