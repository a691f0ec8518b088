package jfunc.certs.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import jfunc.certs.CaSettings;
import jfunc.certs.CaStore;
import jfunc.certs.EnrolmentAnswer;
import jfunc.common.StateDir;
import jfunc.common.rpc.RpcClient;
import jfunc.common.tls.TlsContexts;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A CSR made by openssl goes through the real service; openssl verifies what comes back. */
class OpensslInteropTest {
    @TempDir
    Path dir;

    @Test
    void anOpensslCsrIsAcceptedAndTheCertificatePassesOpensslVerify() throws Exception {
        Assumptions.assumeTrue(Openssl.available(), "openssl not installed");
        CaStore store = new CaStore(new StateDir(dir), CaSettings.defaults());
        store.init("overlord");
        Openssl.Result req = Openssl.run(dir, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-nodes", "-subj", "/CN=web9.example.org", "-keyout", "web9.key", "-out", "web9.csr");
        assertEquals(0, req.code(), req.output());

        try (EnrolmentService service = EnrolmentService.start(store, new InetSocketAddress("127.0.0.1", 0), n -> false)) {
            RpcClient client = new RpcClient(TlsContexts.enrolment(null), Duration.ofSeconds(5), Duration.ofSeconds(10));
            RpcClient.Endpoint ep = new RpcClient.Endpoint(null, "127.0.0.1", service.address().getPort());
            EnrolmentAnswer submitted = EnrolmentAnswer.fromStruct(client.call(ep, "certs.submit_csr", "web9.example.org",
                    Files.readString(dir.resolve("web9.csr")), "127.0.0.1:52009"));
            assertEquals(EnrolmentAnswer.State.PENDING, submitted.state(), submitted.reason());
            store.sign(List.of("web9.example.org"));
            EnrolmentAnswer signed = EnrolmentAnswer.fromStruct(client.call(ep, "certs.fetch", "web9.example.org"));
            assertEquals(EnrolmentAnswer.State.SIGNED, signed.state());
            Files.writeString(dir.resolve("web9.crt"), signed.cert());
        }

        Openssl.Result verify = Openssl.run(dir, "verify", "-CAfile", dir.resolve("ca/ca.crt").toString(),
                "-purpose", "sslserver", "web9.crt");
        assertEquals(0, verify.code(), verify.output());
        assertTrue(verify.output().contains("web9.crt: OK"), verify.output());
        Openssl.Result text = Openssl.run(dir, "x509", "-in", "web9.crt", "-noout", "-text");
        assertTrue(text.output().contains("CA:FALSE"), text.output());
        assertTrue(text.output().contains("TLS Web Server Authentication, TLS Web Client Authentication"), text.output());
        assertTrue(text.output().contains("DNS:web9.example.org"), text.output());
        Openssl.Result pair = Openssl.run(dir, "x509", "-in", "web9.crt", "-noout", "-pubkey");
        Openssl.Result keyPub = Openssl.run(dir, "pkey", "-in", "web9.key", "-pubout");
        assertEquals(keyPub.output(), pair.output(), "the certificate is for openssl's key");
        Openssl.Result crl = Openssl.run(dir, "crl", "-in", dir.resolve("ca/crl.pem").toString(), "-noout",
                "-CAfile", dir.resolve("ca/ca.crt").toString());
        assertTrue(crl.output().contains("verify OK"), crl.output());
    }
}
