package jfunc.certs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Map;
import jfunc.common.Config;
import jfunc.common.StateDir;
import jfunc.common.tls.CertIssuer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Anyone can reach the enrolment port: the number of requests waiting for a signature is bounded. */
class CaPendingLimitTest {
    @TempDir
    Path dir;

    @Test
    void newNamesAreRefusedOnceMaxPendingRequestsWait() throws Exception {
        CaStore store = new CaStore(new StateDir(dir), new CaSettings(CaSettings.DEFAULT_CA_VALIDITY,
                CaSettings.DEFAULT_CERT_VALIDITY, CaSettings.DEFAULT_CRL_VALIDITY, 2));
        store.init("overlord");
        KeyPair k1 = CertIssuer.newKeyPair();
        assertEquals(EnrolmentAnswer.State.PENDING, submit(store, "m1", k1, false).state());
        assertEquals(EnrolmentAnswer.State.PENDING, submit(store, "m2", CertIssuer.newKeyPair(), false).state());

        Map<String, String> before = Snapshot.of(dir);
        EnrolmentAnswer full = submit(store, "m3", CertIssuer.newKeyPair(), false);
        assertEquals(EnrolmentAnswer.State.REFUSED, full.state());
        assertTrue(full.reason().contains("2 requests waiting (ca.max_pending)"), full.reason());
        assertEquals(before, Snapshot.of(dir), "a refused request changed files");

        // a minion already waiting still gets its answer; an autosigned name never waits
        assertEquals(EnrolmentAnswer.State.PENDING, submit(store, "m1", k1, false).state());
        assertEquals(EnrolmentAnswer.State.SIGNED, submit(store, "m4", CertIssuer.newKeyPair(), true).state());
        // signing one makes room
        store.sign(java.util.List.of("m1"));
        assertEquals(EnrolmentAnswer.State.PENDING, submit(store, "m3", CertIssuer.newKeyPair(), false).state());
    }

    @Test
    void maxPendingComesFromTheConfigAndMustBePositive() throws Exception {
        assertEquals(CaSettings.DEFAULT_MAX_PENDING, CaSettings.defaults().maxPending());
        assertEquals(5, CaSettings.from(Config.of(Map.of("ca.max_pending", "5"))).maxPending());
        assertThrows(Config.ConfigException.class,
                () -> CaSettings.from(Config.of(Map.of("ca.max_pending", "0"))));
        assertThrows(IllegalArgumentException.class, () -> new CaSettings(Duration.ofDays(1), Duration.ofDays(1),
                Duration.ofDays(1), -1));
    }

    private static EnrolmentAnswer submit(CaStore store, String name, KeyPair keys, boolean autosign) throws Exception {
        // one address per name: the CA refuses an address another signed minion has
        return store.submit(name, CaStoreTest.csr(keys, name), "127.0.0.1:" + (52000 + name.charAt(1)), "127.0.0.1",
                n -> autosign);
    }
}
