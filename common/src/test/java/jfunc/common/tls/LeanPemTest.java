package jfunc.common.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import jfunc.common.testing.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JDK-only PEM reading gives what the BouncyCastle reader gives, and falls back to it. */
class LeanPemTest {
    @TempDir
    Path dir;

    @Test
    void readsWhatTheCaWritesLikeTheFullReader() throws Exception {
        TestPki pki = new TestPki();
        Identity id = pki.overlord();
        Path key = Files.writeString(dir.resolve("k.pem"), Pem.encodePrivateKey(id.key()));
        Path cert = Files.writeString(dir.resolve("c.pem"), Pem.encode(id.certificate()) + Pem.encode(pki.caCertificate()));
        Path crl = Files.writeString(dir.resolve("crl.pem"), Pem.encode(pki.crl()));
        assertArrayEquals(Pem.readPrivateKey(key).getEncoded(), LeanPem.privateKey(key).getEncoded());
        assertEquals(Pem.readCertificates(cert), LeanPem.certificates(cert));
        assertEquals(2, LeanPem.certificates(cert).size());
        assertEquals(Pem.readCrl(crl), LeanPem.crl(crl));
    }

    @Test
    void traditionalOpensslKeysFallBackToTheFullReader() throws Exception {
        Path key = dir.resolve("ec.pem");
        Process p;
        try {
            p = new ProcessBuilder("openssl", "ecparam", "-genkey", "-name", "prime256v1", "-noout", "-out", key.toString())
                    .redirectErrorStream(true).start();
        } catch (java.io.IOException noOpenssl) {
            assumeTrue(false, "openssl not installed");
            return;
        }
        assumeTrue(p.waitFor() == 0, "openssl failed");
        assertTrue(Files.readString(key).contains("BEGIN EC PRIVATE KEY"));
        PrivateKey k = LeanPem.privateKey(key);
        assertEquals("EC", k.getAlgorithm());
    }

    @Test
    void garbageIsAPemErrorNamingTheFile() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.pem"), "hello");
        Pem.PemException e = assertThrows(Pem.PemException.class, () -> LeanPem.certificates(bad));
        assertTrue(e.getMessage().contains("bad.pem"), e.getMessage());
        assertThrows(Pem.PemException.class, () -> LeanPem.privateKey(bad));
        assertThrows(Pem.PemException.class, () -> LeanPem.crl(bad));
    }
}
