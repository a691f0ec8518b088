package jfunc.common.tls;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Objects;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trusts certificates signed by our CA and not revoked in its CRL. The CRL can be replaced at
 * run time ({@link #updateCrl}) without rebuilding the SSLContext, which fixes its trust manager.
 *
 * <p>Why not PKIX revocation checking in JSSE: an expired CRL makes every handshake fail there.
 * Here an outdated CRL still revokes what it lists, and its age is logged, so a CA that was
 * down for a while does not take the fleet down with it.
 */
public final class CaTrust extends X509ExtendedTrustManager {
    private static final Logger log = LoggerFactory.getLogger(CaTrust.class);

    private final X509Certificate ca;
    private final X509ExtendedTrustManager pkix;
    private volatile X509CRL crl;
    private final Set<ValidatedChain> validated = ConcurrentHashMap.newKeySet();
    private final List<Runnable> crlListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    static final int MAX_VALIDATED = 20_000;

    public CaTrust(X509Certificate ca, X509CRL crl) throws GeneralSecurityException {
        this.ca = Objects.requireNonNull(ca, "ca");
        KeyStore anchors = KeyStore.getInstance("PKCS12");
        try {
            anchors.load(null, null);
        } catch (java.io.IOException e) {
            throw new GeneralSecurityException(e);
        }
        anchors.setCertificateEntry("jfunc-ca", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(anchors);
        this.pkix = (X509ExtendedTrustManager) tmf.getTrustManagers()[0];
        if (crl != null) {
            updateCrl(crl);
        }
    }

    public X509Certificate ca() {
        return ca;
    }

    public X509CRL crl() {
        return crl;
    }

    /** Installs a newer CRL; refuses one not signed by our CA. */
    public void updateCrl(X509CRL newCrl) throws GeneralSecurityException {
        newCrl.verify(ca.getPublicKey());
        X509CRL old = crl;
        if (old != null && newCrl.getThisUpdate().before(old.getThisUpdate())) {
            log.warn("ignoring a CRL older than the one in use ({} < {})", newCrl.getThisUpdate(), old.getThisUpdate());
            return;
        }
        crl = newCrl;
        for (Runnable listener : crlListeners) {
            try {
                listener.run();
            } catch (RuntimeException e) {
                log.warn("a CRL listener failed: {}", e.toString());
            }
        }
    }

    /**
     * Runs {@code listener} after each newly installed CRL (on the thread that installed it), so
     * that a server can close connections whose peer is now revoked. Closing the returned handle
     * removes it.
     */
    public AutoCloseable onCrlChange(Runnable listener) {
        crlListeners.add(Objects.requireNonNull(listener, "listener"));
        return () -> crlListeners.remove(listener);
    }

    /** Whether the current CRL lists {@code cert}. */
    public boolean isRevoked(X509Certificate cert) {
        X509CRL current = crl;
        return current != null && cert != null && current.isRevoked(cert);
    }

    /** Throws when the certificate is listed in the current CRL. */
    public void checkNotRevoked(X509Certificate cert) throws CertificateException {
        X509CRL current = crl;
        if (current == null) {
            return;
        }
        if (current.isRevoked(cert)) {
            throw new CertificateException("certificate of '" + Certs.commonName(cert) + "' (serial "
                    + cert.getSerialNumber().toString(16) + ") is revoked");
        }
        Date next = current.getNextUpdate();
        if (next != null && next.before(new Date())) {
            log.warn("the CRL in use expired at {}; still applying it (refresh it from the CA)", next.toInstant());
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain, authType, true, () -> pkix.checkClientTrusted(chain, authType, socket));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check(chain, authType, true, () -> pkix.checkClientTrusted(chain, authType, engine));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain, authType, true, () -> pkix.checkClientTrusted(chain, authType));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain, authType, false, () -> pkix.checkServerTrusted(chain, authType, socket));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check(chain, authType, false, () -> pkix.checkServerTrusted(chain, authType, engine));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain, authType, false, () -> pkix.checkServerTrusted(chain, authType));
    }

    /**
     * PKIX validation (signature, path to our CA, key usage for the direction) once per distinct
     * chain, then only the checks that change with time: validity dates and the current CRL.
     * A handshake still proves the peer holds the key (JSSE verifies its CertificateVerify), so
     * remembering that a chain is well signed is safe, and it saves a signature check and path
     * building on every new connection from the same peer (the overlord calls the same minions,
     * a minion hears from the same overlord).
     */
    private void check(X509Certificate[] chain, String authType, boolean client, PkixCheck pkixCheck)
            throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("no certificate presented");
        }
        ValidatedChain key = new ValidatedChain(List.of(chain), String.valueOf(authType), client);
        if (!validated.contains(key)) {
            pkixCheck.run();
            if (validated.size() >= MAX_VALIDATED) {
                validated.clear(); // rare: more distinct peers than a fleet has; start over
            }
            validated.add(key);
        } else {
            for (X509Certificate c : chain) {
                c.checkValidity();
            }
            ca.checkValidity(); // PKIX would refuse every chain once our CA expires
        }
        checkNotRevoked(chain[0]);
    }

    private interface PkixCheck {
        void run() throws CertificateException;
    }

    /** X509Certificate equality is byte equality of the encoding, so this is exact. */
    private record ValidatedChain(List<X509Certificate> chain, String authType, boolean client) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[] {ca};
    }
}
