package jfunc.common.tls;

import java.security.cert.X509Certificate;

/**
 * Who is calling, as a server decides it from the verified client certificate: the certificate's
 * name, and whether it carries the {@link OverlordMark}. {@code name} is null when the peer sent
 * no certificate (a port that does not ask for one).
 */
public record Caller(String name, boolean overlord) {
    /** A caller without a certificate. */
    public static final Caller ANONYMOUS = new Caller(null, false);

    /** The caller a verified peer certificate stands for (null: {@link #ANONYMOUS}). */
    public static Caller of(X509Certificate peer) {
        return peer == null ? ANONYMOUS : new Caller(Certs.commonName(peer), OverlordMark.on(peer));
    }

    /** An ACL-style description for logs: the name, with "(overlord)" when marked. */
    @Override
    public String toString() {
        return name == null ? "(no certificate)" : overlord ? name + " (overlord)" : name;
    }
}
