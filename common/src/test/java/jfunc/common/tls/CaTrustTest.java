package jfunc.common.tls;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.KeyPair;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import jfunc.common.testing.TestPki;
import org.junit.jupiter.api.Test;

/**
 * What the trust manager checks on every handshake, including for a certificate it accepted
 * before. (Revocation over real TLS: RpcServerTest.revokedClientIsRefused.)
 */
class CaTrustTest {
    static X509Certificate[] chain(Identity who) {
        return new X509Certificate[] {who.certificate()};
    }

    @Test
    void anAcceptedCertificateIsRefusedAsSoonAsItIsRevoked() throws Exception {
        TestPki pki = new TestPki();
        Identity overlord = pki.overlord();
        CaTrust trust = pki.trust();
        trust.checkClientTrusted(chain(overlord), "UNKNOWN");
        trust.checkClientTrusted(chain(overlord), "UNKNOWN");
        pki.revoke(overlord);
        CertificateException e = assertThrows(CertificateException.class,
                () -> trust.checkClientTrusted(chain(overlord), "UNKNOWN"));
        assertTrue(e.getMessage().contains("revoked"), e.getMessage());
    }

    @Test
    void acceptingAChainAsClientDoesNotMakeItAServer() throws Exception {
        TestPki pki = new TestPki();
        Identity overlord = pki.overlord(); // clientAuth only
        CaTrust trust = pki.trust();
        trust.checkClientTrusted(chain(overlord), "UNKNOWN");
        assertThrows(CertificateException.class, () -> trust.checkServerTrusted(chain(overlord), "UNKNOWN"));
        assertThrows(CertificateException.class, () -> trust.checkServerTrusted(chain(overlord), "UNKNOWN"));
    }

    @Test
    void anotherCaWithTheSameNameIsRefused() throws Exception {
        TestPki pki = new TestPki();
        CaTrust trust = pki.trust();
        trust.checkClientTrusted(chain(pki.overlord()), "UNKNOWN");
        TestPki other = new TestPki("test-ca");
        assertThrows(CertificateException.class, () -> trust.checkClientTrusted(chain(other.overlord()), "UNKNOWN"));
    }

    @Test
    void anAcceptedCertificateIsRefusedOnceExpired() throws Exception {
        TestPki pki = new TestPki();
        KeyPair kp = CertIssuer.newKeyPair();
        X509Certificate shortLived = pki.issuer().issue(kp.getPublic(), "brief", CertIssuer.Usage.CLIENT, Duration.ofSeconds(2));
        CaTrust trust = pki.trust();
        X509Certificate[] chain = {shortLived};
        assertDoesNotThrow(() -> trust.checkClientTrusted(chain, "UNKNOWN"));
        Thread.sleep(3100);
        assertThrows(CertificateException.class, () -> trust.checkClientTrusted(chain, "UNKNOWN"));
    }
}
