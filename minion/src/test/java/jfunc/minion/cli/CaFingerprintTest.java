package jfunc.minion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import jfunc.certs.CaSettings;
import jfunc.certs.CaStore;
import jfunc.certs.service.EnrolmentService;
import jfunc.common.ExitCodes;
import jfunc.common.StateDir;
import jfunc.common.tls.Certs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, finding 9: trust on first use can be closed. A real jfuncd with {@code ca_fingerprint}
 * refuses a CA that is not that one (a rogue CA answering first gets nothing pinned), enrols with
 * the right one, and refuses to start on a folder pinned to another CA.
 */
class CaFingerprintTest {
    @TempDir
    Path dir;

    @Test
    void aMinionWithCaFingerprintTrustsOnlyThatCa() throws Exception {
        CaStore ours = new CaStore(new StateDir(dir.resolve("ours")), CaSettings.defaults());
        String fingerprint = "SHA256:" + ours.init("overlord").caFingerprint();
        CaStore rogue = new CaStore(new StateDir(dir.resolve("rogue")), CaSettings.defaults());
        rogue.init("overlord");
        Path state = dir.resolve("minion-host");
        Files.createDirectories(state);
        Files.writeString(state.resolve("acl.conf"), "");
        Path conf = state.resolve("minion.conf");
        Files.writeString(conf, "ca_fingerprint = " + fingerprint + "\nenrol_max_wait = 20s\n");
        Path minionDir = state.resolve("minion").resolve(JfuncdProcessTest.NAME);

        try (EnrolmentService bad = EnrolmentService.start(rogue, new InetSocketAddress("127.0.0.1", 0),
                EnrolmentService.autosign("*"))) {
            List<String> seen = runToEnd(state, "--ca", "127.0.0.1:" + bad.address().getPort(), "--config", conf.toString());
            assertTrue(seen.stream().anyMatch(l -> l.contains("not the ca_fingerprint configured")), String.join("\n", seen));
            assertFalse(Files.exists(minionDir.resolve("ca.crt")), "the rogue CA was pinned");
            assertTrue(rogue.list().isEmpty(), "the CSR went to the rogue CA: " + rogue.list());
            assertFalse(Files.exists(minionDir.resolve("minion.crt")));
        }
        try (EnrolmentService good = EnrolmentService.start(ours, new InetSocketAddress("127.0.0.1", 0),
                EnrolmentService.autosign("*"))) {
            LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
            int port;
            try (var free = new java.net.ServerSocket(0)) {
                port = free.getLocalPort();
            }
            Process p = JfuncdProcessTest.start(state, lines, "--ca", "127.0.0.1:" + good.address().getPort(),
                    "--config", conf.toString(), "--listen", "127.0.0.1:" + port);
            try {
                JfuncdProcessTest.awaitServing(p, lines, new ArrayList<>());
                assertEquals(fingerprint.substring(7), Certs.fingerprint(jfunc.common.tls.Pem.readCertificate(minionDir.resolve("ca.crt"))));
            } finally {
                p.destroy();
                p.waitFor(30, TimeUnit.SECONDS);
                p.destroyForcibly();
            }
        }
        // the same folder with a fingerprint of another CA: jfuncd refuses to serve
        Files.writeString(conf, "ca_fingerprint = SHA256:" + rogue.init("overlord").caFingerprint() + "\n");
        List<String> refused = runToEnd(state, "--ca", "127.0.0.1:1", "--config", conf.toString());
        assertTrue(refused.stream().anyMatch(l -> l.contains("is not the one ca_fingerprint names")), String.join("\n", refused));
        // a malformed fingerprint is a configuration error
        Files.writeString(conf, "ca_fingerprint = SHA256:nope\n");
        List<String> malformed = runToEnd(state, "--ca", "127.0.0.1:1", "--config", conf.toString());
        assertTrue(malformed.stream().anyMatch(l -> l.contains("ca_fingerprint: not a SHA-256 fingerprint")),
                String.join("\n", malformed));
    }

    /** Runs jfuncd until it exits (it must, within 60 s) and returns its output lines. */
    private static List<String> runToEnd(Path state, String... args) throws Exception {
        LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Process p = JfuncdProcessTest.start(state, lines, args);
        try {
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "jfuncd kept running");
            assertTrue(p.exitValue() == ExitCodes.FAILED || p.exitValue() == ExitCodes.USAGE, "exit " + p.exitValue());
        } finally {
            p.destroyForcibly();
        }
        Thread.sleep(300); // the reader thread drains the log file
        List<String> out = new ArrayList<>();
        lines.drainTo(out);
        return out;
    }
}
