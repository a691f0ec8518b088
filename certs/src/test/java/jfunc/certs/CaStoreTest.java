package jfunc.certs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import jfunc.common.StateDir;
import jfunc.common.tls.CertIssuer;
import jfunc.common.tls.Certs;
import jfunc.common.tls.Pem;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.pkcs.CertificationRequest;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CA store on real files: what it issues, what it refuses, and that refusals change nothing. */
class CaStoreTest {
    static final String ADDR = "127.0.0.1:52001";

    @TempDir
    Path dir;
    CaStore store;

    @BeforeEach
    void init() throws Exception {
        store = new CaStore(new StateDir(dir), CaSettings.defaults());
        assertTrue(store.init("overlord").created());
    }

    static String csr(KeyPair keys, String cn) {
        return Pem.encode(CertIssuer.csr(keys, cn));
    }

    EnrolmentAnswer submit(String name, KeyPair keys) throws Exception {
        return store.submit(name, csr(keys, name), ADDR, "127.0.0.1", n -> false);
    }

    /** Submits and asserts that it was refused with a reason containing {@code expected}, changing nothing. */
    void refusedAndUnchanged(String name, String csrPem, String address, String expected) throws Exception {
        Map<String, String> before = Snapshot.of(dir);
        EnrolmentAnswer a = store.submit(name, csrPem, address, "127.0.0.1", n -> true);
        assertEquals(EnrolmentAnswer.State.REFUSED, a.state(), name + ": " + a);
        assertTrue(a.reason().contains(expected), a.reason());
        assertEquals(before, Snapshot.of(dir), "a refused request changed files");
    }

    @Test
    void signedMinionCertificateVerifiesAndCarriesTheRightExtensions() throws Exception {
        KeyPair keys = CertIssuer.newKeyPair();
        assertEquals(EnrolmentAnswer.State.PENDING, submit("Web1.Example.org", keys).state());
        store.sign(List.of("web1.example.org"));
        EnrolmentAnswer a = store.fetch("web1.example.org");
        assertEquals(EnrolmentAnswer.State.SIGNED, a.state());
        X509Certificate ca = Pem.readCertificate(dir.resolve("ca/ca.crt"));
        X509Certificate cert = Pem.certificates(a.cert(), "answer").get(0);
        cert.verify(ca.getPublicKey());
        assertEquals(Pem.encode(ca), a.ca());
        assertEquals(-1, cert.getBasicConstraints(), "CA:false");
        assertTrue(cert.getKeyUsage()[0], "digitalSignature");
        assertEquals(List.of("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"), cert.getExtendedKeyUsage());
        assertEquals(List.of("web1.example.org"), Certs.dnsNames(cert));
        assertEquals("web1.example.org", Certs.commonName(cert));
        assertTrue(java.util.Arrays.equals(keys.getPublic().getEncoded(), cert.getPublicKey().getEncoded()));

        X509Certificate overlord = Pem.readCertificate(dir.resolve("overlord/overlord.crt"));
        overlord.verify(ca.getPublicKey());
        assertEquals(List.of("1.3.6.1.5.5.7.3.2"), overlord.getExtendedKeyUsage(), "clientAuth only");
        assertEquals(-1, overlord.getBasicConstraints());
        assertEquals(ca, Pem.readCertificate(dir.resolve("overlord/ca.crt")));
        store.serviceIdentity();
        for (String key : List.of("ca/ca.key", "overlord/overlord.key", "ca/service.key")) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(key))), key);
        }
    }

    @Test
    void recordsKeepTheProtocolFormat() throws Exception {
        submit("db1", CertIssuer.newKeyPair());
        String pending = Files.readString(dir.resolve("ca/records/db1.properties"));
        assertTrue(pending.matches("name=db1\naddress=127\\.0\\.0\\.1:52001\nstate=pending\nserial=\n"
                + "submitted=\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d{3})?Z\nsigned=\nrevoked=\n"), pending);
        CaRecord signed = store.sign(List.of("db1")).get(0);
        String text = Files.readString(dir.resolve("ca/records/db1.properties"));
        assertTrue(text.contains("state=signed\nserial=" + signed.serial() + "\n"), text);
        assertEquals(store.certificate("db1").getSerialNumber().toString(16), signed.serial());
        store.revoke("db1");
        assertTrue(Files.readString(dir.resolve("ca/records/db1.properties")).contains("state=revoked\n"));
    }

    @Test
    void sameKeyAgainIsIdempotentAndUpdatesTheAddress() throws Exception {
        KeyPair keys = CertIssuer.newKeyPair();
        submit("m1", keys);
        EnrolmentAnswer again = store.submit("m1", csr(keys, "m1"), "0.0.0.0:52009", "127.0.0.5", n -> false);
        assertEquals(EnrolmentAnswer.State.PENDING, again.state());
        assertEquals("127.0.0.5:52009", store.list().get(0).address(), "a wildcard host becomes the caller's");
        store.sign(List.of("m1"));
        EnrolmentAnswer signed = submit("m1", keys);
        assertEquals(EnrolmentAnswer.State.SIGNED, signed.state());
        assertEquals(1, store.list().size());
    }

    @Test
    void autosignSignsMatchingNamesAtOnce() throws Exception {
        EnrolmentAnswer a = store.submit("web7.lab", csr(CertIssuer.newKeyPair(), "web7.lab"), ADDR, null,
                jfunc.certs.service.EnrolmentService.autosign("*.lab;db?"));
        assertEquals(EnrolmentAnswer.State.SIGNED, a.state());
        EnrolmentAnswer b = store.submit("web7.prod", csr(CertIssuer.newKeyPair(), "web7.prod"), "127.0.0.1:52002", null,
                jfunc.certs.service.EnrolmentService.autosign("*.lab;db?"));
        assertEquals(EnrolmentAnswer.State.PENDING, b.state());
    }

    @Test
    void badRequestsAreRefusedWithAReasonAndChangeNothing() throws Exception {
        KeyPair keys = CertIssuer.newKeyPair();
        for (String bad : List.of("", "../x", "a b", "a".repeat(254))) {
            refusedAndUnchanged(bad, csr(keys, "x"), ADDR, "name");
        }
        refusedAndUnchanged("m1", "not a csr at all", ADDR, "malformed CSR");
        refusedAndUnchanged("m1", "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
                ADDR, "malformed CSR");
        refusedAndUnchanged("m1", Files.readString(dir.resolve("ca/ca.crt")), ADDR, "expected a PEM certificate request");
        refusedAndUnchanged("m1", "", ADDR, "empty CSR");
        refusedAndUnchanged("m1", csr(keys, "m2"), ADDR, "CN=m2");
        refusedAndUnchanged("m1", tamperedSignature(keys, "m1"), ADDR, "proof of possession");
        refusedAndUnchanged("overlord", csr(keys, "overlord"), ADDR, "reserved");
        refusedAndUnchanged("jfunc-ca", csr(keys, "jfunc-ca"), ADDR, "reserved");
        for (String addr : List.of("h:0", "h:65536", "justahost", "a b:1", "h:x")) {
            refusedAndUnchanged("m1", csr(keys, "m1"), addr, "invalid address");
        }
    }

    @Test
    void aDifferentKeyForAPendingOrSignedNameIsRefusedUntilClean() throws Exception {
        submit("m1", CertIssuer.newKeyPair());
        refusedAndUnchanged("m1", csr(CertIssuer.newKeyPair(), "m1"), ADDR, "different key is already pending");
        store.sign(List.of("m1"));
        refusedAndUnchanged("m1", csr(CertIssuer.newKeyPair(), "m1"), ADDR, "already has a certificate for a different key");
        store.clean("m1");
        assertEquals(EnrolmentAnswer.State.PENDING, submit("m1", CertIssuer.newKeyPair()).state());
    }

    @Test
    void aRevokedNameCannotEnrolAgainUntilClean() throws Exception {
        KeyPair keys = CertIssuer.newKeyPair();
        submit("m1", keys);
        store.sign(List.of("m1"));
        X509Certificate cert = store.certificate("m1");
        store.revoke("m1");
        assertTrue(Pem.readCrl(dir.resolve("ca/crl.pem")).isRevoked(cert));
        refusedAndUnchanged("m1", csr(keys, "m1"), ADDR, "revoked");
        refusedAndUnchanged("m1", csr(CertIssuer.newKeyPair(), "m1"), ADDR, "revoked");
        assertEquals(EnrolmentAnswer.State.REFUSED, store.fetch("m1").state());
        store.clean("m1");
        assertEquals(EnrolmentAnswer.State.PENDING, submit("m1", CertIssuer.newKeyPair()).state());
        assertTrue(Pem.readCrl(dir.resolve("ca/crl.pem")).isRevoked(cert), "the old certificate stays revoked");
    }

    @Test
    void signingOrRevokingWhatDoesNotApplyIsAStateErrorAndChangesNothing() throws Exception {
        submit("m1", CertIssuer.newKeyPair());
        Map<String, String> before = Snapshot.of(dir);
        CaException e = assertThrows(CaException.class, () -> store.sign(List.of("nobody")));
        assertEquals(CaException.Kind.STATE, e.kind());
        assertThrows(CaException.class, () -> store.sign(List.of("m1", "nobody")));
        assertThrows(CaException.class, () -> store.revoke("m1"));
        assertThrows(CaException.class, () -> store.clean("nobody"));
        assertThrows(IllegalArgumentException.class, () -> store.sign(List.of("../x")));
        assertEquals(before, Snapshot.of(dir));
        store.sign(List.of("m1"));
        Map<String, String> signed = Snapshot.of(dir);
        assertEquals(CaException.Kind.STATE, assertThrows(CaException.class, () -> store.sign(List.of("m1"))).kind());
        assertEquals(signed, Snapshot.of(dir));
    }

    @Test
    void missingCaFilesAreNamed() throws Exception {
        CaStore empty = new CaStore(new StateDir(dir.resolve("elsewhere")), CaSettings.defaults());
        CaException e = assertThrows(CaException.class, () -> empty.submit("m1", csr(CertIssuer.newKeyPair(), "m1"), ADDR, null, n -> false));
        assertEquals(CaException.Kind.FILES, e.kind());
        assertTrue(e.getMessage().contains(dir.resolve("elsewhere/ca/ca.key").toString()), e.getMessage());
        assertFalse(Files.exists(dir.resolve("elsewhere")), "nothing created");
        Files.delete(dir.resolve("ca/ca.crt"));
        CaException noCert = assertThrows(CaException.class, () -> store.list());
        assertTrue(noCert.getMessage().contains(dir.resolve("ca/ca.crt").toString()), noCert.getMessage());
    }

    @Test
    void theCrlIsReissuedWhenHalfItsValidityHasPassed() throws Exception {
        assertFalse(store.refreshCrlIfDue(), "fresh after init");
        CertIssuer issuer = new CertIssuer(Pem.readPrivateKey(dir.resolve("ca/ca.key")), Pem.readCertificate(dir.resolve("ca/ca.crt")));
        Files.writeString(dir.resolve("ca/crl.pem"), Pem.encode(issuer.crl(Map.of(), Duration.ofSeconds(2))));
        Thread.sleep(1200);
        assertTrue(store.refreshCrlIfDue());
        X509CRL crl = Pem.readCrl(dir.resolve("ca/crl.pem"));
        assertTrue(crl.getNextUpdate().toInstant().isAfter(java.time.Instant.now().plus(Duration.ofDays(29))));
        Files.delete(dir.resolve("ca/crl.pem"));
        assertTrue(store.refreshCrlIfDue(), "a missing CRL is re-issued");
    }

    @Test
    void theServiceIdentityIsKeptAndReused() throws Exception {
        var first = store.serviceIdentity();
        assertEquals(CaStore.SERVICE_NAME, first.name());
        assertEquals(List.of("1.3.6.1.5.5.7.3.1"), first.certificate().getExtendedKeyUsage(), "serverAuth only");
        assertEquals(first.certificate(), store.serviceIdentity().certificate());
        assertNotEquals(first.certificate(), new CaStore(new StateDir(dir), CaSettings.defaults()).caCertificate());
    }

    private static String tamperedSignature(KeyPair keys, String name) {
        PKCS10CertificationRequest good = CertIssuer.csr(keys, name);
        CertificationRequest s = good.toASN1Structure();
        byte[] sig = s.getSignature().getBytes().clone();
        sig[sig.length - 2] ^= 0x55;
        return Pem.encode(new PKCS10CertificationRequest(new CertificationRequest(
                s.getCertificationRequestInfo(), s.getSignatureAlgorithm(), new DERBitString(sig))));
    }
}
