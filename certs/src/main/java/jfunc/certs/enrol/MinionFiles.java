package jfunc.certs.enrol;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Arrays;
import java.util.Date;
import jfunc.certs.enrol.EnrolmentException.Reason;
import jfunc.common.SecureFiles;
import jfunc.common.tls.CertIssuer;
import jfunc.common.tls.Certs;
import jfunc.common.tls.Pem;
import org.bouncycastle.jcajce.provider.asymmetric.util.EC5Util;

/**
 * The files of one minion's identity in {@code STATE/minion/NAME/}: {@code minion.key} (0600),
 * {@code minion.crt}, {@code ca.crt}, {@code crl.pem}. All writes atomic.
 */
final class MinionFiles {
    final Path dir;

    MinionFiles(Path dir) {
        this.dir = dir;
    }

    Path key() {
        return dir.resolve("minion.key");
    }

    Path cert() {
        return dir.resolve("minion.crt");
    }

    Path ca() {
        return dir.resolve("ca.crt");
    }

    Path crl() {
        return dir.resolve("crl.pem");
    }

    /** The minion's key pair: read from minion.key, or made and written (0600) when absent. */
    KeyPair keyPair() throws EnrolmentException {
        try {
            if (Files.exists(key())) {
                PrivateKey priv = Pem.readPrivateKey(key());
                return new KeyPair(publicKeyOf(priv), priv);
            }
            SecureFiles.privateDirectory(dir);
            KeyPair kp = CertIssuer.newKeyPair();
            SecureFiles.write(key(), Pem.encodePrivateKey(kp.getPrivate()).getBytes(StandardCharsets.US_ASCII), true);
            return kp;
        } catch (IOException | GeneralSecurityException e) {
            throw new EnrolmentException(Reason.LOCAL_FILES, key() + ": " + e.getMessage());
        }
    }

    /** The pinned CA certificate, or null when there is none yet. */
    X509Certificate pinnedCa() throws EnrolmentException {
        if (!Files.exists(ca())) {
            return null;
        }
        try {
            return Pem.readCertificate(ca());
        } catch (Pem.PemException e) {
            throw new EnrolmentException(Reason.LOCAL_FILES, e.getMessage()
                    + " (delete it to trust the CA on first use again)");
        }
    }

    X509CRL crlOrNull() {
        try {
            return Files.exists(crl()) ? Pem.readCrl(crl()) : null;
        } catch (Pem.PemException e) {
            return null; // a damaged CRL is replaced by the next one fetched
        }
    }

    /** Why the files are not a usable identity for {@code name}, or null when they are. */
    String problem(String name) {
        try {
            if (!Files.exists(key()) || !Files.exists(cert()) || !Files.exists(ca())) {
                return "not enrolled yet";
            }
            PrivateKey priv = Pem.readPrivateKey(key());
            X509Certificate cert = Pem.readCertificate(cert());
            X509Certificate ca = Pem.readCertificate(ca());
            return certificateProblem(cert, publicKeyOf(priv), ca, name);
        } catch (IOException | GeneralSecurityException e) {
            return e.getMessage();
        }
    }

    /** Why {@code cert} is not a valid certificate for our key and name from our CA, or null. */
    static String certificateProblem(X509Certificate cert, PublicKey ours, X509Certificate ca, String name) {
        try {
            cert.verify(ca.getPublicKey());
        } catch (GeneralSecurityException e) {
            return "the certificate is not signed by the CA (" + e.getMessage() + ")";
        }
        if (!Arrays.equals(cert.getPublicKey().getEncoded(), ours.getEncoded())) {
            return "the certificate is for a different key";
        }
        if (!Certs.isFor(cert, name)) {
            return "the certificate is for " + Certs.commonName(cert) + ", not " + name;
        }
        if (cert.getNotAfter().before(new Date())) {
            return "the certificate expired on " + cert.getNotAfter().toInstant();
        }
        return null;
    }

    void write(Path file, String pem) throws EnrolmentException {
        try {
            SecureFiles.write(file, pem.getBytes(StandardCharsets.US_ASCII), false);
        } catch (IOException e) {
            throw new EnrolmentException(Reason.LOCAL_FILES, file + ": cannot write: " + e.getMessage());
        }
    }

    /** The public half of a private key (EC or RSA), so a key file alone is enough. */
    static PublicKey publicKeyOf(PrivateKey key) throws GeneralSecurityException {
        if (key instanceof ECPrivateKey ec) {
            var spec = EC5Util.convertSpec(ec.getParams());
            var q = spec.getG().multiply(ec.getS()).normalize();
            ECPoint w = new ECPoint(q.getAffineXCoord().toBigInteger(), q.getAffineYCoord().toBigInteger());
            return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, ec.getParams()));
        }
        if (key instanceof RSAPrivateCrtKey rsa) {
            BigInteger n = rsa.getModulus();
            return KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(n, rsa.getPublicExponent()));
        }
        throw new GeneralSecurityException("unsupported key type " + key.getAlgorithm() + " (use EC P-256)");
    }
}
