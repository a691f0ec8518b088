package jfunc.common.tls;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

/**
 * Reads and writes the PEM files of the state dir: private keys (PKCS#8, or the traditional
 * EC/RSA forms openssl writes), certificate chains, CRLs and CSRs. Every failure is a
 * {@link PemException} whose message names the file or says what was expected.
 */
public final class Pem {
    private Pem() {}

    /** A PEM problem: a missing, unreadable or malformed file, or the wrong kind of object. */
    public static final class PemException extends IOException {
        public PemException(String message) {
            super(message);
        }

        public PemException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    public static PrivateKey readPrivateKey(Path file) throws PemException {
        return privateKey(read(file), file.toString());
    }

    public static List<X509Certificate> readCertificates(Path file) throws PemException {
        return certificates(read(file), file.toString());
    }

    public static X509Certificate readCertificate(Path file) throws PemException {
        return certificates(read(file), file.toString()).get(0);
    }

    public static X509CRL readCrl(Path file) throws PemException {
        return crl(read(file), file.toString());
    }

    public static PrivateKey privateKey(String pem, String source) throws PemException {
        Object o = parseOne(pem, source);
        try {
            JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
            if (o instanceof PEMKeyPair pair) {
                return conv.getKeyPair(pair).getPrivate();
            }
            if (o instanceof PrivateKeyInfo info) {
                return conv.getPrivateKey(info);
            }
        } catch (IOException e) {
            throw new PemException(source + ": unusable private key: " + e.getMessage(), e);
        }
        throw new PemException(source + ": expected a PEM private key, found " + describe(o));
    }

    public static List<X509Certificate> certificates(String pem, String source) throws PemException {
        List<X509Certificate> out = new ArrayList<>();
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object o;
            while ((o = parser.readObject()) != null) {
                if (!(o instanceof X509CertificateHolder holder)) {
                    throw new PemException(source + ": expected PEM certificates, found " + describe(o));
                }
                out.add(new JcaX509CertificateConverter().getCertificate(holder));
            }
        } catch (PemException e) {
            throw e;
        } catch (IOException | CertificateException | RuntimeException e) {
            throw new PemException(source + ": malformed PEM certificate: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new PemException(source + ": no PEM certificate found");
        }
        return out;
    }

    public static X509CRL crl(String pem, String source) throws PemException {
        Object o = parseOne(pem, source);
        if (!(o instanceof X509CRLHolder holder)) {
            throw new PemException(source + ": expected a PEM CRL, found " + describe(o));
        }
        try {
            return new JcaX509CRLConverter().getCRL(holder);
        } catch (java.security.cert.CRLException e) {
            throw new PemException(source + ": malformed CRL: " + e.getMessage(), e);
        }
    }

    public static PKCS10CertificationRequest csr(String pem, String source) throws PemException {
        Object o = parseOne(pem, source);
        if (!(o instanceof PKCS10CertificationRequest csr)) {
            throw new PemException(source + ": expected a PEM certificate request, found " + describe(o));
        }
        return csr;
    }

    /** PEM text of a certificate, CRL, CSR or public key. */
    public static String encode(Object object) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(object);
        } catch (IOException e) {
            throw new IllegalStateException("PEM encoding failed", e);
        }
        return out.toString();
    }

    /** PEM text of a private key, always as unencrypted PKCS#8 ("BEGIN PRIVATE KEY"). */
    public static String encodePrivateKey(PrivateKey key) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(new JcaPKCS8Generator(key, null));
        } catch (IOException e) {
            throw new IllegalStateException("PEM encoding failed", e);
        }
        return out.toString();
    }

    public static String encodeAll(List<? extends Object> objects) {
        StringBuilder sb = new StringBuilder();
        objects.forEach(o -> sb.append(encode(o)));
        return sb.toString();
    }

    private static String read(Path file) throws PemException {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw new PemException(file + ": file not found", e);
        } catch (IOException e) {
            throw new PemException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static Object parseOne(String pem, String source) throws PemException {
        if (pem == null || pem.isBlank()) {
            throw new PemException(source + ": empty, expected PEM text");
        }
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object o = parser.readObject();
            if (o == null) {
                throw new PemException(source + ": no PEM object found");
            }
            return o;
        } catch (PemException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new PemException(source + ": malformed PEM: " + e.getMessage(), e);
        }
    }

    private static String describe(Object o) {
        return o == null ? "nothing" : o.getClass().getSimpleName();
    }
}
