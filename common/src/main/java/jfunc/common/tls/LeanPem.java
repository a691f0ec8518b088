package jfunc.common.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Reads PEM keys, certificates and CRLs with the JDK alone, and falls back to {@link Pem}
 * (BouncyCastle) for what the JDK cannot read (traditional openssl key forms). Why: BouncyCastle's
 * jars are signed, and verifying them costs a fresh CLI process hundreds of milliseconds and a
 * long-running one memory (jfuncd's idle RSS); the files {@code jfunc-ca} writes (PKCS#8 keys,
 * X.509 certificates and CRLs) need none of it.
 */
public final class LeanPem {
    private static final String KEY_BEGIN = "-----BEGIN PRIVATE KEY-----";
    private static final String KEY_END = "-----END PRIVATE KEY-----";

    private LeanPem() {}

    public static PrivateKey privateKey(Path file) throws Pem.PemException {
        String text = read(file);
        int begin = text.indexOf(KEY_BEGIN);
        int end = text.indexOf(KEY_END);
        if (begin >= 0 && end > begin) {
            try {
                byte[] der = Base64.getMimeDecoder().decode(text.substring(begin + KEY_BEGIN.length(), end));
                for (String alg : new String[] {"EC", "RSA", "Ed25519"}) {
                    try {
                        return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
                    } catch (GeneralSecurityException notThisOne) {
                        // try the next algorithm
                    }
                }
            } catch (IllegalArgumentException badBase64) {
                // let the full reader say what is wrong
            }
        }
        return Pem.readPrivateKey(file);
    }

    public static List<X509Certificate> certificates(Path file) throws Pem.PemException {
        String text = read(file);
        try {
            List<X509Certificate> out = new ArrayList<>();
            for (var c : CertificateFactory.getInstance("X.509").generateCertificates(stream(text))) {
                out.add((X509Certificate) c);
            }
            if (!out.isEmpty()) {
                return out;
            }
        } catch (GeneralSecurityException | RuntimeException e) {
            // let the full reader say what is wrong
        }
        return Pem.readCertificates(file);
    }

    public static X509CRL crl(Path file) throws Pem.PemException {
        String text = read(file);
        try {
            return (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(stream(text));
        } catch (GeneralSecurityException | RuntimeException e) {
            return Pem.readCrl(file);
        }
    }

    private static ByteArrayInputStream stream(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII));
    }

    private static String read(Path file) throws Pem.PemException {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new Pem.PemException(file + ": not a PEM file (binary content)");
        } catch (IOException e) {
            throw new Pem.PemException(file + ": cannot read: " + e.getMessage(), e);
        }
    }
}
