package jfunc.overlord.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import jfunc.certs.CaSettings;
import jfunc.certs.CaStore;
import jfunc.certs.service.EnrolmentService;
import jfunc.common.StateDir;
import jfunc.common.tls.CaTrust;
import jfunc.common.tls.CertIssuer;
import jfunc.common.tls.Pem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, finding 9: an overlord on another host than the CA never saw a new CRL, so a revoked
 * minion went on receiving its commands. With JFUNC_CA it refreshes STATE/overlord/crl.pem from
 * the real enrolment service, pinned to its ca.crt.
 */
class OverlordCrlTest {
    @TempDir
    Path dir;

    @Test
    void anOverlordElsewhereTakesTheCrlFromTheCaService() throws Exception {
        CaStore store = new CaStore(new StateDir(dir.resolve("ca-host")), CaSettings.defaults());
        store.init("overlord");
        var keys = CertIssuer.newKeyPair();
        store.submit("m1", Pem.encode(CertIssuer.csr(keys, "m1")), "127.0.0.1:52001", null, n -> true);
        X509Certificate m1 = store.certificate("m1");
        // the overlord's host has only STATE/overlord (copied from the CA host), no STATE/ca
        StateDir overlordHost = new StateDir(dir.resolve("overlord-host"));
        Files.createDirectories(overlordHost.overlord());
        for (String f : List.of("overlord.key", "overlord.crt", "ca.crt")) {
            Files.copy(dir.resolve("ca-host/overlord").resolve(f), overlordHost.overlord().resolve(f));
        }
        Thread.sleep(1100); // CRL times have one-second resolution
        store.revoke("m1");
        try (EnrolmentService ca = EnrolmentService.start(store, new InetSocketAddress("127.0.0.1", 0), n -> false)) {
            String at = "127.0.0.1:" + ca.address().getPort();
            // without JFUNC_CA nothing is fetched, and the revoked minion would be trusted
            OverlordCrl.refreshIfDue(overlordHost, null, OverlordCrl.DEFAULT_REFRESH);
            assertFalse(Files.exists(overlordHost.overlord().resolve("crl.pem")));

            OverlordCrl.refreshIfDue(overlordHost, at, OverlordCrl.DEFAULT_REFRESH);
            assertTrue(Files.exists(overlordHost.overlord().resolve("crl.pem")));
            CaTrust trust = OverlordFiles.trust(overlordHost);
            assertThrows(CertificateException.class, () -> trust.checkNotRevoked(m1));
        }
    }

    @Test
    void aCrlFromAnotherCaIsNotTaken() throws Exception {
        CaStore ours = new CaStore(new StateDir(dir.resolve("ours")), CaSettings.defaults());
        ours.init("overlord");
        CaStore rogue = new CaStore(new StateDir(dir.resolve("rogue")), CaSettings.defaults());
        rogue.init("overlord");
        StateDir overlordHost = new StateDir(dir.resolve("overlord-host"));
        Files.createDirectories(overlordHost.overlord());
        for (String f : List.of("overlord.key", "overlord.crt", "ca.crt")) {
            Files.copy(dir.resolve("ours/overlord").resolve(f), overlordHost.overlord().resolve(f));
        }
        try (EnrolmentService ca = EnrolmentService.start(rogue, new InetSocketAddress("127.0.0.1", 0), n -> false)) {
            OverlordCrl.refreshIfDue(overlordHost, "127.0.0.1:" + ca.address().getPort(), Duration.ZERO);
            assertFalse(Files.exists(overlordHost.overlord().resolve("crl.pem")), "a rogue CA's CRL was written");
        }
    }
}
