package jfunc.common.tls;

import java.security.cert.X509Certificate;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x509.CertificatePolicies;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.PolicyInformation;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;

/**
 * The mark that makes a certificate the overlord's: a jfunc certificate policy (a UUID-based
 * OID, X.667 arc {@code 2.25}). Only {@code jfunc-ca init} issues it ({@link CertIssuer.Usage#OVERLORD});
 * the CA never copies extensions from a CSR, so no enrolled name can carry it. A minion grants
 * overlord rights on this mark alone, never on a certificate name: names are what enrolment hands
 * out. "Issued by our CA" is the TLS handshake's part: the minion trusts its CA only (pathlen 0).
 */
public final class OverlordMark {
    /** The jfunc overlord certificate policy. */
    public static final ASN1ObjectIdentifier POLICY =
            new ASN1ObjectIdentifier("2.25.138860908021185983415844771523034099738");

    private OverlordMark() {}

    /** Whether {@code cert} carries the overlord policy (false for null or an unreadable extension). */
    public static boolean on(X509Certificate cert) {
        if (cert == null) {
            return false;
        }
        byte[] der = cert.getExtensionValue(Extension.certificatePolicies.getId());
        if (der == null) {
            return false;
        }
        try {
            CertificatePolicies policies = CertificatePolicies.getInstance(JcaX509ExtensionUtils.parseExtensionValue(der));
            for (PolicyInformation p : policies.getPolicyInformation()) {
                if (POLICY.equals(p.getPolicyIdentifier())) {
                    return true;
                }
            }
            return false;
        } catch (java.io.IOException | RuntimeException e) {
            return false;
        }
    }
}
