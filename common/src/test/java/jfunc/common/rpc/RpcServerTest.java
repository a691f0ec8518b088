package jfunc.common.rpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import jfunc.common.Faults;
import jfunc.common.testing.RawHttps;
import jfunc.common.testing.TestPki;
import jfunc.common.tls.Identity;
import org.apache.xmlrpc.XmlRpcException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The shared server and client over real mutual TLS on loopback. */
class RpcServerTest {
    static TestPki pki;
    static Identity server;
    static Identity overlord;
    static RpcServer rpc;
    static RpcClient client;
    static RpcClient.Endpoint endpoint;
    static final List<String> callers = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        pki = new TestPki();
        server = pki.minion("m1.example.org");
        overlord = pki.overlord();
        RpcServer.Options opts = RpcServer.Options.defaults(new InetSocketAddress("127.0.0.1", 0))
                .withName("test").withMaxBodyBytes(64 * 1024);
        rpc = RpcServer.start(opts, pki.context(server), RpcServerTest::dispatch);
        client = new RpcClient(pki.context(overlord), Duration.ofSeconds(5), Duration.ofSeconds(10));
        endpoint = new RpcClient.Endpoint("m1.example.org", "127.0.0.1", rpc.address().getPort());
    }

    @AfterAll
    static void stop() {
        rpc.close();
    }

    static Object dispatch(RpcCall call) throws XmlRpcException {
        synchronized (callers) {
            callers.add(call.peerName());
        }
        return switch (call.method()) {
            case "test.ping" -> true;
            case "test.echo" -> call.params().get(0);
            case "test.long" -> 1L << 40;
            case "test.null" -> null;
            case "test.map" -> {
                Map<String, Object> m = new HashMap<>();
                m.put("when", Instant.parse("2026-11-23T01:30:00Z"));
                m.put("gone", null);
                m.put("n", 3L);
                yield m;
            }
            case "test.boom" -> throw new IllegalStateException("kaput");
            default -> throw new XmlRpcException(Faults.UNKNOWN_METHOD, "unknown method " + call.method());
        };
    }

    @Test
    void pingOverMutualTlsCarriesTheCallerName() throws Exception {
        assertEquals(true, client.call(endpoint, "test.ping"));
        synchronized (callers) {
            assertEquals("overlord", callers.get(callers.size() - 1));
        }
    }

    @Test
    void wireTypesRoundTrip() throws Exception {
        Object[] arr = {1, "two", 3.5, false, new byte[] {1, 2}};
        Object back = client.call(endpoint, "test.echo", (Object) arr);
        Object[] got = (Object[]) back;
        assertEquals(1, got[0]);
        assertEquals("two", got[1]);
        assertEquals(3.5, got[2]);
        assertEquals(false, got[3]);
        assertArrayEquals(new byte[] {1, 2}, (byte[]) got[4]);
    }

    @Test
    void longNullAndDatesAreConvertedNotDropped() throws Exception {
        assertEquals("1099511627776", client.call(endpoint, "test.long"));
        assertEquals("", client.call(endpoint, "test.null"));
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) client.call(endpoint, "test.map");
        assertEquals("2026-11-23T01:30:00Z", m.get("when"));
        assertEquals("3", m.get("n"));
        assertFalse(m.containsKey("gone"));
    }

    @Test
    void unknownMethodAndInternalErrorsAreFaultsWithCodes() {
        XmlRpcException e = assertThrows(XmlRpcException.class, () -> client.call(endpoint, "nope.nothing"));
        assertEquals(Faults.UNKNOWN_METHOD, e.code);
        XmlRpcException boom = assertThrows(XmlRpcException.class, () -> client.call(endpoint, "test.boom"));
        assertEquals(Faults.INTERNAL_ERROR, boom.code);
        assertTrue(boom.getMessage().contains("kaput"));
    }

    @Test
    void malformedXmlIsAMalformedRequestFault() throws Exception {
        String reply = rawPost("<methodCall><methodName>test.ping</methodName><params>");
        assertTrue(isFault(reply, Faults.MALFORMED_REQUEST), reply);
    }

    @Test
    void doctypeAndEntitiesAreRefused() throws Exception {
        String xxe = "<?xml version=\"1.0\"?><!DOCTYPE m [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                + "<methodCall><methodName>test.echo</methodName><params><param><value>&x;</value></param></params></methodCall>";
        String reply = rawPost(xxe);
        assertTrue(isFault(reply, Faults.MALFORMED_REQUEST), reply);
        assertFalse(reply.contains("root:"), reply);
        String laughs = "<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;\">]>"
                + "<methodCall><methodName>test.echo</methodName><params><param><value>&b;</value></param></params></methodCall>";
        assertTrue(isFault(rawPost(laughs), Faults.MALFORMED_REQUEST));
    }

    @Test
    void serializableExtensionIsRefused() throws Exception {
        String ser = "<?xml version=\"1.0\"?><methodCall xmlns:ex=\"http://ws.apache.org/xmlrpc/namespaces/extensions\">"
                + "<methodName>test.echo</methodName><params><param><value><ex:serializable>rO0ABXQAA2Zvbw==</ex:serializable>"
                + "</value></param></params></methodCall>";
        String reply = rawPost(ser);
        assertTrue(isFault(reply, Faults.MALFORMED_REQUEST), reply);
    }

    @Test
    void oversizedBodiesAreRefused() throws Exception {
        // declared too large: HTTP 413 before reading
        String big = "x".repeat(70 * 1024);
        assertTrue(rawPost(big).startsWith("HTTP/1.1 413"));
        // too large through the parser (a string argument bigger than the cap)
        XmlRpcException e = assertThrows(XmlRpcException.class, () -> client.call(endpoint, "test.echo", big));
        assertTrue(e.getMessage().contains("Too Large"), e.getMessage());
    }

    @Test
    void clientWithoutCertificateOrFromAnotherCaIsRefused() {
        TestPki other = new TestPki("other-ca");
        RpcClient stranger = new RpcClient(other.context(other.overlord()), Duration.ofSeconds(5), Duration.ofSeconds(5));
        Exception e = assertThrows(XmlRpcException.class, () -> stranger.call(endpoint, "test.ping"));
        assertEquals(CallError.Kind.TLS, CallError.of(e).kind(), e.toString());
    }

    @Test
    void revokedClientIsRefused() throws Exception {
        Identity doomed = pki.identity("doomed", jfunc.common.tls.CertIssuer.Usage.CLIENT);
        RpcClient c = new RpcClient(pki.context(doomed), Duration.ofSeconds(5), Duration.ofSeconds(5));
        assertEquals(true, c.call(endpoint, "test.ping"));
        pki.revoke(doomed);
        int before;
        synchronized (callers) {
            before = callers.size();
        }
        RpcClient fresh = new RpcClient(pki.context(doomed), Duration.ofSeconds(5), Duration.ofSeconds(5));
        // TLS 1.3: the server judges our certificate after the handshake, so the client sees the
        // refusal as an alert, a reset or a broken pipe; what matters is that no call ran.
        assertThrows(XmlRpcException.class, () -> fresh.call(endpoint, "test.ping"));
        synchronized (callers) {
            assertFalse(callers.subList(before, callers.size()).contains("doomed"));
        }
    }

    @Test
    void serverMustCarryTheExpectedName() {
        RpcClient.Endpoint wrong = new RpcClient.Endpoint("m2.example.org", "127.0.0.1", rpc.address().getPort());
        Exception e = assertThrows(XmlRpcException.class, () -> client.call(wrong, "test.ping"));
        assertEquals(CallError.Kind.TLS, CallError.of(e).kind(), e.toString());
    }

    @Test
    void closedPortIsUnreachable() throws Exception {
        int port;
        try (var s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        var dead = new RpcClient.Endpoint("m1.example.org", "127.0.0.1", port);
        Exception e = assertThrows(XmlRpcException.class, () -> client.call(dead, "test.ping"));
        assertEquals(CallError.Kind.UNREACHABLE, CallError.of(e).kind(), e.toString());
    }

    @Test
    void plainHttpToTheTlsPortGetsNoCall() throws Exception {
        try (var s = new java.net.Socket("127.0.0.1", rpc.address().getPort())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi".getBytes());
            byte[] buf = new byte[256];
            int n;
            try {
                n = s.getInputStream().read(buf);
            } catch (IOException closed) {
                n = -1;
            }
            String got = n > 0 ? new String(buf, 0, n, StandardCharsets.ISO_8859_1) : "";
            assertFalse(got.contains("methodResponse"), got);
        }
    }

    @Test
    void clientsThatHandshakeAndSendNothingDoNotStarveCalls() throws Exception {
        List<SSLSocket> idle = new ArrayList<>();
        try {
            SSLContext ctx = pki.context(overlord);
            for (int i = 0; i < 24; i++) { // more than the 16 workers
                SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", rpc.address().getPort());
                s.startHandshake();
                idle.add(s);
            }
            RpcClient fresh = new RpcClient(pki.context(overlord), Duration.ofSeconds(5), Duration.ofSeconds(10));
            assertEquals(true, fresh.call(endpoint, "test.ping"));
        } finally {
            for (SSLSocket s : idle) {
                s.close();
            }
        }
    }

    static boolean isFault(String reply, int code) {
        return reply.matches("(?s).*<name>faultCode</name><value><(i4|int)>" + code + "</(i4|int)>.*");
    }

    /** Sends a raw HTTP POST over mutual TLS and returns the whole reply text. */
    static String rawPost(String body) throws Exception {
        return RawHttps.post(pki.context(overlord), rpc.address().getPort(), body);
    }
}
