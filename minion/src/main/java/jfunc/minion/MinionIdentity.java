package jfunc.minion;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import jfunc.common.SecureFiles;
import jfunc.common.tls.CaTrust;
import jfunc.common.tls.Identity;
import jfunc.common.tls.LeanPem;
import jfunc.common.tls.Pem;

/**
 * The identity files of one minion in {@code STATE/minion/NAME/}: {@code minion.key} (0600),
 * {@code minion.crt}, {@code ca.crt} and {@code crl.pem} (optional).
 */
public record MinionIdentity(Path dir) {
    public Path keyFile() {
        return dir.resolve("minion.key");
    }

    public Path certFile() {
        return dir.resolve("minion.crt");
    }

    public Path caFile() {
        return dir.resolve("ca.crt");
    }

    public Path crlFile() {
        return dir.resolve("crl.pem");
    }

    /** True when key, certificate and CA certificate are all present. */
    public boolean exists() {
        return Files.isRegularFile(keyFile()) && Files.isRegularFile(certFile()) && Files.isRegularFile(caFile());
    }

    /** Reads with the JDK alone where it can ({@link LeanPem}): loading BouncyCastle costs idle memory. */
    public Identity load() throws Pem.PemException {
        return new Identity(LeanPem.privateKey(keyFile()), LeanPem.certificates(certFile()));
    }

    /** Trust in the CA of {@code ca.crt}, with {@code crl.pem} applied when it exists. */
    public CaTrust trust() throws Pem.PemException, GeneralSecurityException {
        X509CRL crl = Files.exists(crlFile()) ? LeanPem.crl(crlFile()) : null;
        return new CaTrust(LeanPem.certificates(caFile()).get(0), crl);
    }

    /** Writes all files (atomically; the key 0600). {@code crl} may be null. */
    public void write(Identity identity, X509Certificate ca, X509CRL crl) throws IOException {
        SecureFiles.privateDirectory(dir);
        SecureFiles.write(keyFile(), Pem.encodePrivateKey(identity.key()).getBytes(StandardCharsets.US_ASCII), true);
        SecureFiles.write(certFile(), Pem.encodeAll(identity.chain()).getBytes(StandardCharsets.US_ASCII), false);
        SecureFiles.write(caFile(), Pem.encode(ca).getBytes(StandardCharsets.US_ASCII), false);
        if (crl != null) {
            writeCrl(crl);
        }
    }

    public void writeCrl(X509CRL crl) throws IOException {
        SecureFiles.write(crlFile(), Pem.encode(crl).getBytes(StandardCharsets.US_ASCII), false);
    }
}
