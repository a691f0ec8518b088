package jfunc.common.tls;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Builds the TLS 1.3 contexts jfunc uses. Servers decide separately whether they require a
 * client certificate (minions do; the CA's enrolment port cannot, a new minion has none).
 */
public final class TlsContexts {
    public static final String PROTOCOL = "TLSv1.3";

    /**
     * Key exchange groups offered, unless the user set {@code jdk.tls.namedGroups}. JDK 17's client
     * sends one key share per group type it offers (x25519 and secp256r1 by default) and so makes
     * two key pairs per handshake, one of them wasted: that was 15% of a fresh connection's CPU
     * (bench/overlord-fanout). Every jfunc peer is a JDK 17+ (or OpenSSL) that speaks x25519;
     * x448 stays as a fallback of the same type. The JDK reads this once, when it first sets up
     * TLS, which in jfunc programs happens through this class.
     */
    static final String NAMED_GROUPS = "x25519,x448";

    /** {@link #NAMED_GROUPS} plus the NIST curve that servers built on OpenSSL offer by default. */
    static final String WITH_P256 = "x25519,secp256r1,x448";

    private static final String PROPERTY = "jdk.tls.namedGroups";

    static {
        if (System.getProperty(PROPERTY) == null) {
            System.setProperty(PROPERTY, NAMED_GROUPS);
        }
    }

    private TlsContexts() {}

    /**
     * For a process that also speaks TLS to a server that is not jfunc: PostgreSQL 15 offers only
     * its {@code ssl_ecdh_curve} (prime256v1 unless its admin changed it) and fails a handshake
     * that offers x25519 and x448 alone. This adds secp256r1, at the price of a second key share
     * in every handshake of this process. The JDK reads the groups at the process's first
     * handshake, so this must come before that; a {@code jdk.tls.namedGroups} the user set is
     * left as it is.
     */
    public static synchronized void alsoOfferP256() {
        if (NAMED_GROUPS.equals(System.getProperty(PROPERTY))) {
            System.setProperty(PROPERTY, WITH_P256);
        }
    }

    /**
     * From now on, handshakes in this JVM sign, verify and agree keys with BouncyCastle's code
     * ({@link FastEcProvider}): 2-6x less CPU per handshake, for about 360 ms of one-time class
     * loading (BouncyCastle's signed jar is verified). Worth it in a long-running server and in a
     * fan-out to many minions, not in a CLI call to a few. {@code -Djfunc.tls.fastEc=false}
     * keeps the JDK's code everywhere.
     */
    public static void useFastEc() {
        FastEcProvider.install();
    }

    /** For a side that proves its identity and trusts only our CA (and its CRL). */
    public static SSLContext mutual(Identity identity, CaTrust trust) throws GeneralSecurityException {
        SSLContext ctx = SSLContext.getInstance(PROTOCOL);
        ctx.init(identity.keyManagers(), new TrustManager[] {trust}, new SecureRandom());
        return ctx;
    }

    /** For a server that authenticates itself but accepts clients without a certificate. */
    public static SSLContext serverOnly(Identity identity) throws GeneralSecurityException {
        SSLContext ctx = SSLContext.getInstance(PROTOCOL);
        ctx.init(identity.keyManagers(), null, new SecureRandom());
        return ctx;
    }

    /**
     * For an enrolling minion: no identity yet. With {@code pinnedCa} the server must be signed by
     * it; with null, any server certificate is accepted and the caller must pin the CA certificate
     * it receives (trust on first use, as Func's certmaster did).
     */
    public static SSLContext enrolment(X509Certificate pinnedCa) throws GeneralSecurityException {
        SSLContext ctx = SSLContext.getInstance(PROTOCOL);
        TrustManager tm = pinnedCa != null ? new CaTrust(pinnedCa, null) : new AcceptAny();
        ctx.init(null, new TrustManager[] {tm}, new SecureRandom());
        return ctx;
    }

    private static final class AcceptAny implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
