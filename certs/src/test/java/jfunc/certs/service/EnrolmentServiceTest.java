package jfunc.certs.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import jfunc.certs.CaSettings;
import jfunc.certs.CaStore;
import jfunc.certs.EnrolmentAnswer;
import jfunc.certs.Snapshot;
import jfunc.common.Faults;
import jfunc.common.StateDir;
import jfunc.common.rpc.CallError;
import jfunc.common.rpc.RpcClient;
import jfunc.common.rpc.RpcServer;
import jfunc.common.tls.CaTrust;
import jfunc.common.tls.CertIssuer;
import jfunc.common.tls.Identity;
import jfunc.common.tls.Pem;
import jfunc.common.tls.TlsContexts;
import org.apache.xmlrpc.XmlRpcException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The enrolment service over real TLS on loopback, spoken to with the real XML-RPC client. */
class EnrolmentServiceTest {
    @TempDir
    Path dir;
    CaStore store;
    EnrolmentService service;
    RpcClient client;
    RpcClient.Endpoint endpoint;

    @BeforeEach
    void start() throws Exception {
        store = new CaStore(new StateDir(dir), CaSettings.defaults());
        store.init("overlord");
        service = EnrolmentService.start(store, new InetSocketAddress("127.0.0.1", 0), EnrolmentService.autosign("auto*"));
        client = new RpcClient(TlsContexts.enrolment(store.caCertificate()), Duration.ofSeconds(5), Duration.ofSeconds(10));
        endpoint = new RpcClient.Endpoint(CaStore.SERVICE_NAME, "127.0.0.1", service.address().getPort());
    }

    @AfterEach
    void stop() {
        service.close();
    }

    EnrolmentAnswer call(String method, Object... args) throws Exception {
        return EnrolmentAnswer.fromStruct(client.call(endpoint, method, args));
    }

    static String csr(KeyPair keys, String name) {
        return Pem.encode(CertIssuer.csr(keys, name));
    }

    @Test
    void submitFetchSignOverTheWire() throws Exception {
        KeyPair keys = CertIssuer.newKeyPair();
        EnrolmentAnswer pending = call("certs.submit_csr", "web1", csr(keys, "web1"), "127.0.0.1:52001");
        assertEquals(EnrolmentAnswer.State.PENDING, pending.state());
        assertTrue(pending.reason().contains("jfunc-ca sign web1"), pending.reason());
        assertEquals(Pem.encode(store.caCertificate()), pending.ca());
        assertEquals(EnrolmentAnswer.State.PENDING, call("certs.fetch", "web1").state());
        store.sign(List.of("web1"));
        EnrolmentAnswer signed = call("certs.fetch", "web1");
        assertEquals(EnrolmentAnswer.State.SIGNED, signed.state());
        Pem.certificates(signed.cert(), "cert").get(0).verify(store.caCertificate().getPublicKey());
        Pem.crl(signed.crl(), "crl").verify(store.caCertificate().getPublicKey());
        assertEquals(EnrolmentAnswer.State.SIGNED, call("certs.submit_csr", "auto1", csr(keys, "auto1"), "").state(),
                "--autosign auto*");
    }

    @Test
    void wrongArgumentsAndMethodsAreFaultsRefusalsAreAnswers() throws Exception {
        Map<String, String> before = Snapshot.of(dir);
        assertFault(Faults.BAD_ARGUMENTS, "certs.submit_csr", "web1", 42, "127.0.0.1:1");
        assertFault(Faults.BAD_ARGUMENTS, "certs.submit_csr", "web1");
        assertFault(Faults.BAD_ARGUMENTS, "certs.fetch");
        assertFault(Faults.BAD_ARGUMENTS, "certs.fetch", (Object) new Object[] {"x"});
        assertFault(Faults.UNKNOWN_METHOD, "certs.sign", "web1");
        EnrolmentAnswer malformed = call("certs.submit_csr", "web1", "-----BEGIN CERTIFICATE REQUEST-----\nxx\n", "127.0.0.1:1");
        assertEquals(EnrolmentAnswer.State.REFUSED, malformed.state());
        assertTrue(malformed.reason().startsWith("malformed CSR"), malformed.reason());
        EnrolmentAnswer badName = call("certs.submit_csr", "../x", csr(CertIssuer.newKeyPair(), "x"), "127.0.0.1:1");
        assertEquals(EnrolmentAnswer.State.REFUSED, badName.state());
        assertEquals(EnrolmentAnswer.State.REFUSED, call("certs.fetch", "unknown").state());
        assertEquals(before, Snapshot.of(dir));
    }

    @Test
    void aRevokedCertificateIsRejectedByAServerThatTrustsTheCasCrl() throws Exception {
        Identity server = enrolDirectly("m1.example.org");
        Identity good = enrolDirectly("m2.example.org");
        Identity bad = enrolDirectly("m3.example.org");
        X509Certificate ca = store.caCertificate();
        store.revoke("m3.example.org");
        CaTrust trust = new CaTrust(ca, Pem.readCrl(dir.resolve("ca/crl.pem")));
        List<String> callers = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (RpcServer minion = RpcServer.start(RpcServer.Options.defaults(new InetSocketAddress("127.0.0.1", 0)),
                TlsContexts.mutual(server, trust), call -> callers.add(call.peerName()))) {
            RpcClient.Endpoint m1 = new RpcClient.Endpoint("m1.example.org", "127.0.0.1", minion.address().getPort());
            assertEquals(true, clientFor(good, ca).call(m1, "test.ping"));
            Exception e = assertThrows(Exception.class, () -> clientFor(bad, ca).call(m1, "test.ping"));
            assertTrue(CallError.of(e).kind() != CallError.Kind.FAULT, e.toString());
            assertEquals(List.of("m2.example.org"), callers, "the revoked minion's call never reached the server");
        }
    }

    @Test
    void theRunningServiceSeesRevocationsMadeByTheCli() throws Exception {
        enrolDirectly("m2");
        EnrolmentAnswer before = call("certs.fetch", "m2");
        assertEquals(EnrolmentAnswer.State.SIGNED, before.state());
        X509Certificate cert = Pem.certificates(before.cert(), "cert").get(0);
        Thread.sleep(1000); // CRL times have one-second resolution
        int code = jfunc.certs.cli.CaCliTestAccess.run("--state-dir", dir.toString(), "revoke", "m2");
        assertEquals(0, code);
        EnrolmentAnswer after = call("certs.fetch", "m2");
        assertEquals(EnrolmentAnswer.State.REFUSED, after.state());
        assertTrue(after.reason().contains("revoked"), after.reason());
        assertTrue(Pem.crl(after.crl(), "crl").isRevoked(cert), "the new CRL is handed out at once");
    }

    private void assertFault(int code, String method, Object... args) {
        XmlRpcException e = assertThrows(XmlRpcException.class, () -> client.call(endpoint, method, args));
        assertEquals(code, e.code, e.getMessage());
    }

    /** Enrols a name through the service and signs it; returns its identity. */
    private Identity enrolDirectly(String name) throws Exception {
        KeyPair keys = CertIssuer.newKeyPair();
        call("certs.submit_csr", name, csr(keys, name), "127.0.0.1:" + (1 + (name.hashCode() & 0x3fff)));
        store.sign(List.of(name));
        X509Certificate cert = Pem.certificates(call("certs.fetch", name).cert(), name).get(0);
        return new Identity(keys.getPrivate(), List.of(cert));
    }

    private static RpcClient clientFor(Identity who, X509Certificate ca) throws Exception {
        SSLContext tls = TlsContexts.mutual(who, new CaTrust(ca, null));
        return new RpcClient(tls, Duration.ofSeconds(5), Duration.ofSeconds(10));
    }
}
