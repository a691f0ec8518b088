package jfunc.certs;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import jfunc.common.SecureFiles;
import jfunc.common.tls.CertIssuer;
import jfunc.common.tls.Pem;

/**
 * The fixed layout of {@code STATE/ca/} (DESIGN.md, docs/PROTOCOL.md) and reading and writing
 * its files. Every write is atomic (SecureFiles); keys are 0600. Every read failure becomes a
 * {@link CaException} of kind FILES whose message names the path.
 *
 * <pre>
 * ca.key ca.crt crl.pem         the CA itself (ca.key 0600)
 * ca.properties                 overlord_name= (a name no minion may enrol as)
 * pending/NAME.csr              waiting for `jfunc-ca sign`
 * signed/NAME.crt               the current certificate of NAME
 * records/NAME.properties       what the CA knows of NAME (CaRecord; the overlord's inventory)
 * revoked/SERIAL.properties     name, serial, revoked, expires: what the CRL lists (kept after clean)
 * service.key service.crt       the enrolment service's own TLS identity
 * .lock                         taken around every operation (StoreLock)
 * </pre>
 */
final class CaFiles {
    final Path dir;

    CaFiles(Path dir) {
        this.dir = dir;
    }

    Path caKey() {
        return dir.resolve("ca.key");
    }

    Path caCert() {
        return dir.resolve("ca.crt");
    }

    Path crl() {
        return dir.resolve("crl.pem");
    }

    Path properties() {
        return dir.resolve("ca.properties");
    }

    Path lock() {
        return dir.resolve(".lock");
    }

    Path serviceKey() {
        return dir.resolve("service.key");
    }

    Path serviceCert() {
        return dir.resolve("service.crt");
    }

    Path pending(String name) {
        return dir.resolve("pending").resolve(name + ".csr");
    }

    Path signed(String name) {
        return dir.resolve("signed").resolve(name + ".crt");
    }

    Path record(String name) {
        return dir.resolve("records").resolve(name + ".properties");
    }

    Path revoked(BigInteger serial) {
        return dir.resolve("revoked").resolve(serial.toString(16) + ".properties");
    }

    /** Fails with a message naming the missing file and what to do when there is no CA here. */
    void requireCa() throws CaException {
        for (Path p : List.of(caKey(), caCert())) {
            if (!Files.exists(p)) {
                throw CaException.files(p + ": file not found; is this the right state dir? "
                        + "(create a CA with: jfunc-ca --state-dir " + dir.getParent() + " init)");
            }
        }
    }

    /** Loads the CA key and certificate and checks that they belong together. */
    CertIssuer issuer() throws CaException {
        requireCa();
        PrivateKey key = pem(() -> Pem.readPrivateKey(caKey()));
        X509Certificate cert = pem(() -> Pem.readCertificate(caCert()));
        try {
            byte[] probe = "jfunc-ca".getBytes(StandardCharsets.US_ASCII);
            String alg = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(probe);
            byte[] sig = s.sign();
            s.initVerify(cert.getPublicKey());
            s.update(probe);
            if (!s.verify(sig)) {
                throw CaException.files(caKey() + " does not belong to " + caCert());
            }
        } catch (java.security.GeneralSecurityException e) {
            throw CaException.files(caKey() + " does not belong to " + caCert() + " (" + e.getMessage() + ")");
        }
        return new CertIssuer(key, cert);
    }

    String readText(Path file) throws CaException {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw CaException.files(file + ": file not found");
        } catch (IOException e) {
            throw CaException.files(file + ": cannot read: " + e.getMessage());
        }
    }

    /** The text of a file, or null when it does not exist. */
    String readIfExists(Path file) throws CaException {
        return Files.exists(file) ? readText(file) : null;
    }

    /** A kept request and its public key. */
    record KeptCsr(org.bouncycastle.pkcs.PKCS10CertificationRequest request, java.security.PublicKey key) {}

    KeptCsr readCsr(String name) throws CaException {
        Path f = pending(name);
        String text = readText(f);
        var csr = pem(() -> Pem.csr(text, f.toString()));
        try {
            return new KeptCsr(csr, Submission.publicKey(csr));
        } catch (Exception e) {
            throw CaException.files(f + ": unusable public key (" + e.getMessage() + ")");
        }
    }

    CaRecord readRecord(String name) throws CaException {
        Path f = record(name);
        if (!Files.exists(f)) {
            return null;
        }
        return CaRecord.parse(readText(f), f.toString());
    }

    /** How many requests wait in {@code pending/} (counted by file, without parsing them). */
    int pendingCount() throws CaException {
        Path dirOfPending = dir.resolve("pending");
        if (!Files.isDirectory(dirOfPending)) {
            return 0;
        }
        int n = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dirOfPending, "*.csr")) {
            for (Path ignored : ds) {
                n++;
            }
        } catch (IOException e) {
            throw CaException.files(dirOfPending + ": cannot list: " + e.getMessage());
        }
        return n;
    }

    List<CaRecord> readRecords() throws CaException {
        List<CaRecord> out = new ArrayList<>();
        Path dirOfRecords = dir.resolve("records");
        if (!Files.isDirectory(dirOfRecords)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dirOfRecords, "*.properties")) {
            for (Path f : ds) {
                out.add(CaRecord.parse(readText(f), f.toString()));
            }
        } catch (IOException e) {
            throw CaException.files(dirOfRecords + ": cannot list: " + e.getMessage());
        }
        return out;
    }

    void write(Path file, String text, boolean secret) throws CaException {
        try {
            SecureFiles.write(file, text.getBytes(StandardCharsets.US_ASCII), secret);
        } catch (IOException e) {
            throw CaException.files(file + ": cannot write: " + e.getMessage());
        }
    }

    void delete(Path file) throws CaException {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw CaException.files(file + ": cannot delete: " + e.getMessage());
        }
    }

    void writeRecord(CaRecord r) throws CaException {
        write(record(r.name()), r.toProperties(), false);
    }

    void writeRevoked(X509Certificate cert, String name, Instant when) throws CaException {
        String text = "name=" + name + "\nserial=" + cert.getSerialNumber().toString(16) + "\nrevoked=" + when
                + "\nexpires=" + cert.getNotAfter().toInstant() + "\n";
        write(revoked(cert.getSerialNumber()), text, false);
    }

    /** Serial → revocation time of every revoked certificate that has not expired yet. */
    Map<BigInteger, Instant> revokedSerials(Instant now) throws CaException {
        Map<BigInteger, Instant> out = new HashMap<>();
        Path d = dir.resolve("revoked");
        if (!Files.isDirectory(d)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(d, "*.properties")) {
            for (Path f : ds) {
                Properties p = new Properties();
                try {
                    p.load(new java.io.StringReader(readText(f)));
                    Instant expires = Instant.parse(p.getProperty("expires", "").trim());
                    if (expires.isAfter(now)) {
                        out.put(new BigInteger(p.getProperty("serial", "").trim(), 16),
                                Instant.parse(p.getProperty("revoked", "").trim()));
                    }
                } catch (RuntimeException e) {
                    throw CaException.files(f + ": not a valid revocation entry (" + e.getMessage() + ")");
                }
            }
        } catch (IOException e) {
            throw CaException.files(d + ": cannot list: " + e.getMessage());
        }
        return out;
    }

    /** The overlord's name, which no minion may enrol as. */
    String overlordName() throws CaException {
        String text = readIfExists(properties());
        if (text == null) {
            return CaStore.DEFAULT_OVERLORD_NAME;
        }
        Properties p = new Properties();
        try {
            p.load(new java.io.StringReader(text));
        } catch (IOException | IllegalArgumentException e) {
            throw CaException.files(properties() + ": " + e.getMessage());
        }
        return p.getProperty("overlord_name", CaStore.DEFAULT_OVERLORD_NAME).trim();
    }

    /** The service certificate is ours and has more than a month (or half its validity) left. */
    static boolean serviceCertUsable(X509Certificate cert, X509Certificate ca, java.time.Duration validity) {
        try {
            cert.verify(ca.getPublicKey());
        } catch (Exception e) {
            return false;
        }
        java.time.Duration margin = validity.dividedBy(2).compareTo(java.time.Duration.ofDays(30)) < 0
                ? validity.dividedBy(2) : java.time.Duration.ofDays(30);
        return cert.getNotAfter().toInstant().isAfter(Instant.now().plus(margin));
    }

    interface PemRead<T> {
        T read() throws Pem.PemException;
    }

    static <T> T pem(PemRead<T> read) throws CaException {
        try {
            return read.read();
        } catch (Pem.PemException e) {
            throw CaException.files(e.getMessage());
        }
    }
}
