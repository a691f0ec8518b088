package jfunc.minion.cli;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
import jfunc.common.StateDir;
import jfunc.common.tls.Pem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real jfuncd against a real CA: after {@code jfunc-ca revoke} it logs an ERROR naming the
 * cause at start; after {@code jfunc-ca clean} it says the CA forgot it and enrols again by
 * itself on restart, with the same key.
 */
class ReEnrolmentTest {
    @TempDir
    Path state;

    @Test
    void revokedSaysSoAndCleanedReEnrolsOnRestart() throws Exception {
        CaStore store = new CaStore(new StateDir(state), CaSettings.defaults());
        store.init("overlord");
        Files.writeString(state.resolve("acl.conf"), "# only the overlord\n");
        try (EnrolmentService ca = EnrolmentService.start(store, new InetSocketAddress("127.0.0.1", 0),
                EnrolmentService.autosign("*.example.org"))) {
            String caAt = "127.0.0.1:" + ca.address().getPort();
            List<String> first = serveOnce(caAt);
            Path crt = state.resolve("minion").resolve(JfuncdProcessTest.NAME).resolve("minion.crt");
            String firstCert = Files.readString(crt);

            store.revoke(JfuncdProcessTest.NAME);
            List<String> revoked = serveOnce(caAt);
            assertTrue(revoked.stream().anyMatch(l -> l.contains("ERROR") && l.contains("this minion's certificate is revoked")
                    && l.contains("jfunc-ca clean " + JfuncdProcessTest.NAME)), String.join("\n", revoked));

            store.clean(JfuncdProcessTest.NAME);
            List<String> cleaned = serveOnce(caAt);
            assertTrue(cleaned.stream().anyMatch(l -> l.contains("ERROR") && l.contains("the CA no longer knows "
                    + JfuncdProcessTest.NAME)), String.join("\n", cleaned));
            assertTrue(cleaned.stream().anyMatch(l -> l.contains("enrolling again")), String.join("\n", cleaned));
            assertNotEquals(firstCert, Files.readString(crt), "a new certificate");
            assertTrue(Pem.readCrl(state.resolve("ca").resolve("crl.pem")) != null);
            assertTrue(first.stream().noneMatch(l -> l.contains("ERROR")), String.join("\n", first));
        }
    }

    /** Starts jfuncd, waits until it serves, stops it; returns what it printed. */
    private List<String> serveOnce(String caAt) throws Exception {
        LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        List<String> seen = new ArrayList<>();
        Process p = JfuncdProcessTest.start(state, lines, "--ca", caAt);
        try {
            JfuncdProcessTest.awaitServing(p, lines, seen);
            p.destroy();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            lines.drainTo(seen);
            return seen;
        } finally {
            p.destroyForcibly();
        }
    }
}
