package jfunc.minion;

import jfunc.minion.testing.TestMinion;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import jfunc.common.Faults;
import jfunc.common.rpc.CallError;
import jfunc.common.rpc.RpcClient;
import jfunc.common.testing.RawHttps;
import jfunc.common.testing.TestPki;
import jfunc.common.tls.CertIssuer;
import jfunc.common.tls.Identity;
import org.apache.xmlrpc.XmlRpcException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The minion against hostile or broken clients. Every bad input gets a fault or nothing; no call runs. */
class HardeningTest {
    @TempDir
    static Path dir;
    static TestMinion minion;

    @BeforeAll
    static void start() throws Exception {
        minion = TestMinion.start(dir, Map.of("max_body_bytes", "64KiB", "worker_threads", "4"), List.of());
    }

    @AfterAll
    static void stop() {
        minion.close();
    }

    int port() {
        return minion.address().getPort();
    }

    @Test
    void idleConnectionsDoNotStarveRealCalls() throws Exception {
        List<Socket> idle = new ArrayList<>();
        try {
            for (int i = 0; i < 1000; i++) {
                idle.add(new Socket("127.0.0.1", port()));   // TCP only: no handshake, no bytes
            }
            SSLContext ctx = minion.pki.context(minion.overlordIdentity);
            for (int i = 0; i < 8; i++) {                      // more than the 4 workers
                SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port());
                s.startHandshake();                              // then send nothing
                idle.add(s);
            }
            RpcClient fresh = minion.client(minion.overlordIdentity);
            assertEquals(true, fresh.call(minion.endpoint, "test.ping"));
            assertEquals(5, fresh.call(minion.endpoint, "test.add", 2, 3));
        } finally {
            for (Socket s : idle) {
                s.close();
            }
        }
    }

    @Test
    void bodiesOverTheCapAreRefused() throws Exception {
        String big = "x".repeat(70 * 1024);
        String reply = rawPost(minion.pki.context(minion.overlordIdentity), big);
        assertTrue(reply.startsWith("HTTP/1.1 413"), reply);
        XmlRpcException e = assertThrows(XmlRpcException.class, () -> minion.call("test.echo", big));
        assertTrue(e.getMessage().contains("Too Large") || e.code == Faults.REQUEST_TOO_LARGE, e.getMessage());
        assertEquals(true, minion.call("test.ping"));
    }

    @Test
    void externalEntitiesAndEntityExpansionAreRefused() throws Exception {
        String xxe = "<?xml version=\"1.0\"?><!DOCTYPE m [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                + "<methodCall><methodName>test.echo</methodName><params><param><value>&x;</value></param></params></methodCall>";
        String reply = rawPost(minion.pki.context(minion.overlordIdentity), xxe);
        assertTrue(isFault(reply, Faults.MALFORMED_REQUEST), reply);
        assertFalse(reply.contains("root:"), reply);
        String laughs = "<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">"
                + "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;\">]>"
                + "<methodCall><methodName>test.echo</methodName><params><param><value>&c;</value></param></params></methodCall>";
        assertTrue(isFault(rawPost(minion.pki.context(minion.overlordIdentity), laughs), Faults.MALFORMED_REQUEST));
        String external = "<?xml version=\"1.0\"?><!DOCTYPE m SYSTEM \"http://127.0.0.1:9/evil.dtd\">"
                + "<methodCall><methodName>test.ping</methodName></methodCall>";
        assertTrue(isFault(rawPost(minion.pki.context(minion.overlordIdentity), external), Faults.MALFORMED_REQUEST));
    }

    @Test
    void serializableExtensionIsRefused() throws Exception {
        String ser = "<?xml version=\"1.0\"?><methodCall xmlns:ex=\"http://ws.apache.org/xmlrpc/namespaces/extensions\">"
                + "<methodName>test.echo</methodName><params><param><value><ex:serializable>rO0ABXQAA2Zvbw==</ex:serializable>"
                + "</value></param></params></methodCall>";
        String reply = rawPost(minion.pki.context(minion.overlordIdentity), ser);
        assertTrue(isFault(reply, Faults.MALFORMED_REQUEST), reply);
        String nil = "<?xml version=\"1.0\"?><methodCall xmlns:ex=\"http://ws.apache.org/xmlrpc/namespaces/extensions\">"
                + "<methodName>test.echo</methodName><params><param><value><ex:nil/></value></param></params></methodCall>";
        assertTrue(isFault(rawPost(minion.pki.context(minion.overlordIdentity), nil), Faults.MALFORMED_REQUEST));
    }

    @Test
    void malformedXmlIsAFault() throws Exception {
        String reply = rawPost(minion.pki.context(minion.overlordIdentity), "<methodCall><methodName>test.ping");
        assertTrue(isFault(reply, Faults.MALFORMED_REQUEST), reply);
    }

    @Test
    void plainHttpToTheTlsPortGetsNoCall() throws Exception {
        try (Socket s = new Socket("127.0.0.1", port())) {
            s.setSoTimeout(5000);
            byte[] body = "<methodCall><methodName>test.ping</methodName></methodCall>".getBytes(StandardCharsets.UTF_8);
            String got;
            try { // the server closes as soon as it sees the first bytes are not TLS: a write may fail
                s.getOutputStream().write(("POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length
                        + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().write(body);
                got = new String(s.getInputStream().readNBytes(256), StandardCharsets.ISO_8859_1);
            } catch (IOException closed) {
                got = "";
            }
            assertFalse(got.contains("methodResponse"), got);
        }
    }

    @Test
    void clientWithoutCertificateIsRefused() throws Exception {
        SSLContext anonymous = SSLContext.getInstance("TLSv1.3");
        anonymous.init(null, new TrustManager[] {minion.pki.trust()}, new SecureRandom());
        RpcClient c = new RpcClient(anonymous, Duration.ofSeconds(5), Duration.ofSeconds(5));
        XmlRpcException e = assertThrows(XmlRpcException.class, () -> c.call(minion.endpoint, "test.ping"));
        assertNotEquals(CallError.Kind.FAULT, CallError.of(e).kind(), e.toString());
    }

    @Test
    void certificateFromAnotherCaIsRefused() {
        TestPki other = new TestPki("other-ca");
        // it even calls itself "overlord"
        RpcClient c = new RpcClient(other.context(other.overlord()), Duration.ofSeconds(5), Duration.ofSeconds(5));
        XmlRpcException e = assertThrows(XmlRpcException.class, () -> c.call(minion.endpoint, "test.ping"));
        assertEquals(CallError.Kind.TLS, CallError.of(e).kind(), e.toString());
    }

    @Test
    void revokedCertificateIsRefused() throws Exception {
        Identity doomed = minion.pki.identity("overlord", CertIssuer.Usage.OVERLORD); // a second overlord cert
        assertEquals(true, minion.client(doomed).call(minion.endpoint, "test.ping"));
        minion.pki.revoke(doomed);
        XmlRpcException e = assertThrows(XmlRpcException.class,
                () -> minion.client(doomed).call(minion.endpoint, "command.run", "touch " + dir.resolve("ran")));
        assertNotEquals(CallError.Kind.FAULT, CallError.of(e).kind(), e.toString());
        assertFalse(java.nio.file.Files.exists(dir.resolve("ran")));
        assertEquals(true, minion.call("test.ping"));
    }

    @Test
    void aMinionCertificateMayNotCommandThisMinion() {
        RpcClient other = minion.client(minion.pki.minion("m2.example.org"));
        XmlRpcException e = assertThrows(XmlRpcException.class, () -> other.call(minion.endpoint, "command.run", "id"));
        assertEquals(Faults.FORBIDDEN, e.code);
        // refused from its certificate, before its body (so before its method) is read
        assertEquals("forbidden: 'm2.example.org' may not call anything here", e.getMessage());
    }

    static boolean isFault(String reply, int code) {
        return reply.matches("(?s).*<name>faultCode</name><value><(i4|int)>" + code + "</(i4|int)>.*");
    }

    /** Sends a raw HTTP POST over mutual TLS and returns the whole reply. */
    static String rawPost(SSLContext ctx, String body) throws Exception {
        return RawHttps.post(ctx, minion.address().getPort(), body);
    }
}
