package jfunc.certs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import jfunc.common.SecureFiles;
import jfunc.common.StateDir;
import jfunc.common.tls.CertIssuer;
import jfunc.common.tls.Certs;
import jfunc.common.tls.OverlordMark;
import jfunc.common.tls.Pem;

/**
 * {@code jfunc-ca init}: the CA key and certificate, an empty CRL, and the overlord's client
 * identity (with the {@link jfunc.common.tls.OverlordMark}). Never replaces the CA: a complete CA
 * is reported as is, a partial one is an error that names what is missing. One exception: an
 * overlord certificate from before the mark existed grants nothing on current minions, so init
 * issues the overlord a marked one (same name, new key) and revokes the old one.
 */
final class CaInit {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(CaInit.class);
    static final String CA_COMMON_NAME = "jfunc CA";

    private CaInit() {}

    static CaStore.InitResult run(StateDir state, CaFiles files, CaSettings settings, String overlordName)
            throws CaException {
        Path od = state.overlord();
        List<Path> all = List.of(files.caKey(), files.caCert(), files.crl(),
                od.resolve("overlord.key"), od.resolve("overlord.crt"), od.resolve("ca.crt"));
        List<Path> present = all.stream().filter(Files::exists).toList();
        if (present.size() == all.size()) {
            return existing(state, files, settings, od);
        }
        if (!present.isEmpty()) {
            List<Path> missing = all.stream().filter(p -> !Files.exists(p)).toList();
            throw CaException.files("the CA in " + state + " is incomplete: missing " + join(missing)
                    + "; nothing was changed (restore the missing files, or move " + files.dir + " and " + od
                    + " away and run init again: every minion must then enrol again)");
        }
        try {
            SecureFiles.privateDirectory(files.dir);
            SecureFiles.privateDirectory(od);
        } catch (IOException e) {
            throw CaException.files("cannot create " + files.dir + ": " + e.getMessage());
        }
        try (StoreLock.Held held = new StoreLock(files.lock()).acquire()) {
            if (all.stream().anyMatch(Files::exists)) {
                throw CaException.files("another jfunc-ca init is creating a CA in " + state + " right now");
            }
            KeyPair caKeys = CertIssuer.newKeyPair();
            X509Certificate caCert = CertIssuer.selfSignedCa(caKeys, CA_COMMON_NAME, settings.caValidity());
            CertIssuer issuer = new CertIssuer(caKeys.getPrivate(), caCert);
            X509CRL crl = issuer.crl(Map.of(), settings.crlValidity());
            KeyPair ovKeys = CertIssuer.newKeyPair();
            X509Certificate ovCert = issuer.issue(ovKeys.getPublic(), overlordName, CertIssuer.Usage.OVERLORD,
                    settings.certValidity());

            files.write(files.properties(), "overlord_name=" + overlordName + "\n", false);
            files.write(files.caKey(), Pem.encodePrivateKey(caKeys.getPrivate()), true);
            files.write(files.caCert(), Pem.encode(caCert), false);
            files.write(files.crl(), Pem.encode(crl), false);
            files.write(od.resolve("overlord.key"), Pem.encodePrivateKey(ovKeys.getPrivate()), true);
            files.write(od.resolve("overlord.crt"), Pem.encode(ovCert), false);
            files.write(od.resolve("ca.crt"), Pem.encode(caCert), false);
            return new CaStore.InitResult(true, files.dir, od, overlordName, Certs.fingerprint(caCert),
                    crl.getNextUpdate().toInstant(), false);
        } catch (IOException e) {
            throw CaException.files(e.getMessage());
        }
    }

    /** All files exist: check they are usable and belong together, change nothing. */
    private static CaStore.InitResult existing(StateDir state, CaFiles files, CaSettings settings, Path od)
            throws CaException {
        CertIssuer issuer = files.issuer();
        X509Certificate ca = issuer.caCertificate();
        X509CRL crl = CaFiles.pem(() -> Pem.readCrl(files.crl()));
        PrivateKey ovKey = CaFiles.pem(() -> Pem.readPrivateKey(od.resolve("overlord.key")));
        X509Certificate ovCert = CaFiles.pem(() -> Pem.readCertificate(od.resolve("overlord.crt")));
        X509Certificate ovCa = CaFiles.pem(() -> Pem.readCertificate(od.resolve("ca.crt")));
        try {
            crl.verify(ca.getPublicKey());
        } catch (Exception e) {
            throw CaException.files(files.crl() + " is not signed by " + files.caCert());
        }
        try {
            ovCert.verify(ca.getPublicKey());
        } catch (Exception e) {
            throw CaException.files(od.resolve("overlord.crt") + " is not signed by " + files.caCert());
        }
        if (!ovCa.equals(ca)) {
            throw CaException.files(od.resolve("ca.crt") + " is not the same certificate as " + files.caCert());
        }
        if (ovKey == null) {
            throw CaException.files(od.resolve("overlord.key") + ": no key");
        }
        if (!OverlordMark.on(ovCert)) {
            crl = reissueOverlord(files, settings, od, ovCert);
        }
        return new CaStore.InitResult(false, files.dir, od, Certs.commonName(ovCert), Certs.fingerprint(ca),
                crl.getNextUpdate() == null ? null : crl.getNextUpdate().toInstant(), !OverlordMark.on(ovCert));
    }

    /** A marked overlord certificate (same name, new key) in place of {@code old}, which is revoked. */
    private static X509CRL reissueOverlord(CaFiles files, CaSettings settings, Path od, X509Certificate old)
            throws CaException {
        try (StoreLock.Held held = new StoreLock(files.lock()).acquire()) {
            CertIssuer issuer = files.issuer();
            X509Certificate current = CaFiles.pem(() -> Pem.readCertificate(od.resolve("overlord.crt")));
            if (!current.equals(old)) {
                throw CaException.files(od.resolve("overlord.crt") + " changed while init ran; run init again");
            }
            String name = Certs.commonName(old);
            KeyPair keys = CertIssuer.newKeyPair();
            X509Certificate cert = issuer.issue(keys.getPublic(), name, CertIssuer.Usage.OVERLORD,
                    settings.certValidity());
            Instant now = Instant.now();
            files.writeRevoked(old, name, now);
            X509CRL crl = issuer.crl(files.revokedSerials(now), settings.crlValidity());
            // key before certificate: a reader that sees the new certificate finds its key
            files.write(od.resolve("overlord.key"), Pem.encodePrivateKey(keys.getPrivate()), true);
            files.write(od.resolve("overlord.crt"), Pem.encode(cert), false);
            files.write(files.crl(), Pem.encode(crl), false);
            log.warn("re-issued the overlord certificate '{}' with the overlord mark (serial {}); the old one"
                    + " (serial {}) is revoked", name, cert.getSerialNumber().toString(16),
                    old.getSerialNumber().toString(16));
            return crl;
        } catch (IOException e) {
            throw CaException.files(e.getMessage());
        }
    }

    private static String join(List<Path> paths) {
        return String.join(", ", paths.stream().map(Path::toString).toList());
    }
}
