package jfunc.certs;

import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Locale;
import java.util.Set;
import jfunc.common.HostPort;
import jfunc.common.Names;
import jfunc.common.tls.Pem;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * A checked {@code certs.submit_csr} request. The checks, before the CA keeps anything: a valid
 * name that is not reserved; well-formed PEM; a valid CSR self-signature (proof that the
 * submitter holds the private key); exactly one CN, equal to the name; a key we accept (EC of
 * at least 256 bits, RSA of at least 2048); an address of the form host:port. Nothing else of
 * the CSR is used: the certificate's subject and SAN are built from the validated name only.
 */
record Submission(String name, PKCS10CertificationRequest request, PublicKey key, String address) {
    static final int MAX_PEM_CHARS = 16 * 1024;

    /** A reason to refuse a request, told to the submitter as is. */
    static final class Refusal extends Exception {
        Refusal(String reason) {
            super(reason, null, false, false);
        }
    }

    /**
     * Checks everything; {@code callerHost} (may be null) replaces a wildcard or missing host in
     * the advertised address, so a minion listening on 0.0.0.0 is recorded where it called from.
     */
    static Submission check(String name, String csrPem, String address, String callerHost, Set<String> reserved)
            throws Refusal {
        String n = name(name);
        if (reserved.contains(n)) {
            throw new Refusal("the name " + n + " is reserved for the CA's own identities");
        }
        PKCS10CertificationRequest csr = parse(csrPem);
        PublicKey key = provenKey(csr);
        RDN[] cns = csr.getSubject().getRDNs(BCStyle.CN);
        if (cns.length != 1 || cns[0].isMultiValued()) {
            throw new Refusal("the CSR's subject must have exactly one CN (CN=" + n + "), found '"
                    + printable(csr.getSubject().toString()) + "'");
        }
        String cn = IETFUtils.valueToString(cns[0].getFirst().getValue());
        if (!cn.equalsIgnoreCase(n)) {
            throw new Refusal("the CSR is for CN=" + printable(cn) + " but the name claimed is " + n);
        }
        checkKey(key);
        return new Submission(n, csr, key, address(address, callerHost));
    }

    /** The lower-cased name, or a refusal saying what is wrong with it. */
    static String name(String name) throws Refusal {
        String problem = Names.problem(name);
        if (problem != null) {
            throw new Refusal(problem);
        }
        return name.toLowerCase(Locale.ROOT);
    }

    private static PKCS10CertificationRequest parse(String pem) throws Refusal {
        if (pem == null || pem.isBlank()) {
            throw new Refusal("empty CSR: send a PEM certificate request (BEGIN CERTIFICATE REQUEST)");
        }
        if (pem.length() > MAX_PEM_CHARS) {
            throw new Refusal("the CSR is larger than " + MAX_PEM_CHARS + " characters");
        }
        try {
            return Pem.csr(pem, "CSR");
        } catch (Pem.PemException e) {
            throw new Refusal("malformed CSR: " + e.getMessage());
        }
    }

    private static PublicKey provenKey(PKCS10CertificationRequest csr) throws Refusal {
        boolean valid;
        PublicKey key;
        try {
            key = publicKey(csr);
            valid = csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(key));
        } catch (Exception e) {
            throw new Refusal("malformed CSR: cannot check its signature (" + e.getMessage() + ")");
        }
        if (!valid) {
            throw new Refusal("the CSR's signature does not verify: no proof of possession of the key");
        }
        return key;
    }

    /** The CSR's public key through the JDK's providers (which know algorithm names, not OIDs). */
    static PublicKey publicKey(PKCS10CertificationRequest csr) throws java.io.IOException {
        return new JcaPEMKeyConverter().getPublicKey(csr.getSubjectPublicKeyInfo());
    }

    private static void checkKey(PublicKey key) throws Refusal {
        if (key instanceof ECPublicKey ec) {
            if (ec.getParams().getCurve().getField().getFieldSize() < 256) {
                throw new Refusal("EC keys must have at least 256 bits (use P-256)");
            }
        } else if (key instanceof RSAPublicKey rsa) {
            if (rsa.getModulus().bitLength() < 2048) {
                throw new Refusal("RSA keys must have at least 2048 bits (EC P-256 is preferred)");
            }
        } else {
            throw new Refusal("unsupported key type " + key.getAlgorithm() + " (use EC P-256)");
        }
    }

    private static String address(String address, String callerHost) throws Refusal {
        if (address == null || address.isBlank()) {
            return "";
        }
        try {
            HostPort hp = HostPort.parse(address, 0);
            if (hp.isWildcard() && callerHost != null && !callerHost.isEmpty()) {
                hp = new HostPort(callerHost, hp.port());
            }
            return hp.toString();
        } catch (IllegalArgumentException e) {
            throw new Refusal("invalid address: " + e.getMessage() + " (expected host:port, port 1-65535)");
        }
    }

    static String printable(String s) {
        if (s == null) {
            return "(none)";
        }
        String cut = s.length() > 80 ? s.substring(0, 80) + "..." : s;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
