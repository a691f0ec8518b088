package jfunc.common.tls;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/** Small facts about certificates: the name they carry, their fingerprint. */
public final class Certs {
    private Certs() {}

    /** The subject's CN, or the whole subject when it has none. */
    public static String commonName(X509Certificate cert) {
        String dn = cert.getSubjectX500Principal().getName();
        try {
            for (Rdn rdn : new LdapName(dn).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return String.valueOf(rdn.getValue());
                }
            }
        } catch (InvalidNameException e) {
            // fall through
        }
        return dn;
    }

    /** DNS names in the subjectAltName extension. */
    public static List<String> dnsNames(X509Certificate cert) {
        List<String> out = new ArrayList<>();
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (Integer.valueOf(2).equals(san.get(0))) {
                        out.add(String.valueOf(san.get(1)));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // no usable SAN
        }
        return out;
    }

    /** True when the certificate names {@code name} as its CN or as a SAN DNS name. */
    public static boolean isFor(X509Certificate cert, String name) {
        return name.equalsIgnoreCase(commonName(cert))
                || dnsNames(cert).stream().anyMatch(name::equalsIgnoreCase);
    }

    /**
     * A SHA-256 fingerprint as written by people: {@code SHA256:AB:CD:...} (what
     * {@code jfunc-ca init} prints), with or without the prefix and colons, any case. Returns the
     * 64 upper-case hex digits; IllegalArgumentException when it is not a SHA-256 fingerprint.
     */
    public static String normalizedFingerprint(String text) {
        String t = text.strip();
        if (t.regionMatches(true, 0, "SHA256:", 0, 7)) {
            t = t.substring(7);
        } else if (t.regionMatches(true, 0, "SHA-256:", 0, 8)) {
            t = t.substring(8);
        }
        String hex = t.replace(":", "").toUpperCase(java.util.Locale.ROOT);
        if (!hex.matches("[0-9A-F]{64}")) {
            throw new IllegalArgumentException("not a SHA-256 fingerprint (expected SHA256: and 32 hex bytes, as"
                    + " `jfunc-ca init` prints it): '" + (text.length() > 120 ? text.substring(0, 120) + "..." : text) + "'");
        }
        return hex;
    }

    /** SHA-256 fingerprint as colon-separated upper-case hex, like openssl prints it. */
    public static String fingerprint(X509Certificate cert) {
        try {
            return sha256(cert.getEncoded());
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * SHA-256 of a public key (its SubjectPublicKeyInfo DER) as colon-separated upper-case hex:
     * the same for a minion's key, its CSR and its certificate, so the CA's {@code list} and the
     * minion's log can be compared before signing.
     */
    public static String keyFingerprint(java.security.PublicKey key) {
        return sha256(key.getEncoded());
    }

    private static String sha256(byte[] der) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(der);
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(d);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
