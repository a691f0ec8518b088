package jfunc.common.testing;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import jfunc.common.tls.CaTrust;
import jfunc.common.tls.CertIssuer;
import jfunc.common.tls.Identity;
import jfunc.common.tls.TlsContexts;

/**
 * A real in-memory PKI for tests: a CA, identities signed by it, revocation. Built with the
 * same {@link CertIssuer} the certificate authority uses. Shared with other modules' tests
 * through the common test-jar.
 */
public final class TestPki {
    private final CertIssuer issuer;
    private final java.security.PrivateKey caKey;
    private final Map<BigInteger, Instant> revoked = new ConcurrentHashMap<>();
    private final CaTrust trust;

    public TestPki() {
        this("test-ca");
    }

    public TestPki(String caName) {
        KeyPair ca = CertIssuer.newKeyPair();
        X509Certificate caCert = CertIssuer.selfSignedCa(ca, caName, Duration.ofDays(30));
        issuer = new CertIssuer(ca.getPrivate(), caCert);
        caKey = ca.getPrivate();
        try {
            trust = new CaTrust(caCert, crl());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public X509Certificate caCertificate() {
        return issuer.caCertificate();
    }

    /** The CA's private key: for a test or benchmark whose minions run in another process. */
    public java.security.PrivateKey caKey() {
        return caKey;
    }

    public CertIssuer issuer() {
        return issuer;
    }

    /** The trust manager of this PKI; {@link #revoke} updates it at once. */
    public CaTrust trust() {
        return trust;
    }

    public Identity identity(String name, CertIssuer.Usage usage) {
        KeyPair kp = CertIssuer.newKeyPair();
        X509Certificate cert = issuer.issue(kp.getPublic(), name, usage, Duration.ofDays(1));
        return new Identity(kp.getPrivate(), List.of(cert));
    }

    public Identity minion(String name) {
        return identity(name, CertIssuer.Usage.MINION);
    }

    public Identity overlord() {
        return identity("overlord", CertIssuer.Usage.OVERLORD);
    }

    public X509CRL crl() {
        return issuer.crl(revoked, Duration.ofDays(1));
    }

    public void revoke(Identity who) {
        revoked.put(who.certificate().getSerialNumber(), Instant.now());
        try {
            Thread.sleep(1100); // CRL times have one-second resolution; a newer CRL must be newer
            trust.updateCrl(crl());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** An SSL context for {@code who} trusting this PKI (with revocation). */
    public SSLContext context(Identity who) {
        try {
            return TlsContexts.mutual(who, trust);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
