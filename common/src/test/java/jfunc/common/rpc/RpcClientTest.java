package jfunc.common.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLServerSocket;
import jfunc.common.testing.TestPki;
import org.apache.xmlrpc.XmlRpcException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The client (Jetty's HttpClient under our deadlines and caps) against real TLS servers on
 * loopback: our RpcServer, and small hand-written servers that misbehave on purpose.
 */
class RpcClientTest {
    static final TestPki pki = new TestPki();
    static final String NAME = "m1.example.org";

    private final List<AutoCloseable> open = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private RpcClient client(long maxReplyBytes) {
        RpcClient c = new RpcClient(pki.context(pki.overlord()), Duration.ofSeconds(5), Duration.ofSeconds(5), maxReplyBytes);
        open.add(c);
        return c;
    }

    @Test
    void startingTheClientLogsNoWarning() throws Exception {
        RpcServer server = RpcServer.start(RpcServer.Options.defaults(new InetSocketAddress("127.0.0.1", 0)),
                pki.context(pki.minion(NAME)), call -> "pong");
        open.add(server);
        java.io.PrintStream err = System.err;
        ByteArrayOutputStream said = new ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(said, true, StandardCharsets.UTF_8));
        try {
            RpcClient c = client(1 << 20);
            assertEquals("pong", c.call(new RpcClient.Endpoint(NAME, "127.0.0.1", server.address().getPort()), "test.ping"));
            c.close();
        } finally {
            System.setErr(err);
        }
        String text = said.toString(StandardCharsets.UTF_8);
        assertTrue(!text.contains("WARN"), "a pending minion polls with a new client each time; no warning per poll: " + text);
    }

    @Test
    void aSecondCallReusesTheConnection() throws Exception {
        List<InetSocketAddress> from = new CopyOnWriteArrayList<>();
        RpcServer server = RpcServer.start(RpcServer.Options.defaults(new InetSocketAddress("127.0.0.1", 0)),
                pki.context(pki.minion(NAME)), call -> {
                    from.add(call.remote());
                    return switch (call.method()) {
                        case "test.echo" -> call.params().get(0);
                        case "test.fail" -> throw new XmlRpcException(jfunc.common.Faults.UNKNOWN_METHOD, "no such method");
                        default -> "pong";
                    };
                });
        open.add(server);
        RpcClient c = client(1 << 20);
        RpcClient.Endpoint ep = new RpcClient.Endpoint(NAME, "127.0.0.1", server.address().getPort());
        assertEquals("pong", c.call(ep, "test.ping"));
        assertEquals("pong", c.call(ep, "test.ping"));
        assertEquals(2, from.size());
        assertEquals(from.get(0), from.get(1), "both calls came over one connection (same client port)");
        XmlRpcException fault = assertThrows(XmlRpcException.class, () -> c.call(ep, "test.fail"));
        assertEquals(jfunc.common.Faults.UNKNOWN_METHOD, fault.code);
        assertEquals(from.get(0), from.get(2), "a fault is an answer: the connection is kept");
        String text = "é € 中文 😀 <&> tab\t newline\n crlf\r\n cr\r end";
        assertEquals(text, c.call(ep, "test.echo", text), "any text survives the round trip, emoji and CR too");
        assertEquals("\uFFFD[31mred\uFFFD[0m bell\uFFFD nul\uFFFD \uFFFD", c.call(ep, "test.echo",
                "\u001b[31mred\u001b[0m bell\u0007 nul\u0000 \uFFFF"), "what XML cannot carry arrives as U+FFFD");
        c.close();
        assertEquals("pong", c.call(ep, "test.ping"), "a closed client's next call connects anew");
        assertTrue(!from.get(5).equals(from.get(0)));
        assertEquals("pong", c.call(ep, "test.ping"));
        assertEquals(from.get(5), from.get(6), "and keeps that connection alive again");
    }

    @Test
    void aConnectionTheServerClosedWhileIdleIsNotUsedAgain() throws Exception {
        RawServer server = new RawServer((n, in, out) -> {
            reply(out, "200 OK", "Content-Length", pong());
            return false;          // then close the connection (with a TLS close_notify)
        });
        RpcClient c = client(1 << 20);
        assertEquals("pong", c.call(server.endpoint(), "test.ping"));
        server.awaitClosed(1);
        assertEquals("pong", c.call(server.endpoint(), "test.ping"), "the next call opened a new connection");
        assertEquals(2, server.connections.get());
    }

    @Test
    void aKeptAliveConnectionThatBreaksUnderACallFailsAsUnreachableAndIsNotSentAgain() throws Exception {
        RawServer server = new RawServer((n, in, out) -> {
            if (n == 1) {
                reply(out, "200 OK", "Content-Length", pong());
                return true;
            }
            return false;          // read the second request, then drop the connection unanswered
        });
        RpcClient c = client(1 << 20);
        assertEquals("pong", c.call(server.endpoint(), "test.ping"));
        XmlRpcException e = assertThrows(XmlRpcException.class, () -> c.call(server.endpoint(), "test.ping"));
        CallError error = CallError.of(e);
        assertEquals(CallError.Kind.UNREACHABLE, error.kind(), error.toString());
        assertTrue(error.message().contains("kept-alive"), error.message());
        assertEquals(2, server.requests.get(), "the broken call was not re-sent");
    }

    @Test
    void chunkedRepliesAreReadAndKeepTheConnection() throws Exception {
        RawServer server = new RawServer((n, in, out) -> {
            reply(out, "200 OK", "Transfer-Encoding", pong());
            return true;
        });
        RpcClient c = client(1 << 20);
        assertEquals("pong", c.call(server.endpoint(), "test.ping"));
        assertEquals("pong", c.call(server.endpoint(), "test.ping"));
        assertEquals(1, server.connections.get());
    }

    @Test
    void anHttpErrorIsAProtocolErrorThatQuotesTheServer() throws Exception {
        RawServer server = new RawServer((n, in, out) -> {
            reply(out, "503 Service Unavailable", "Content-Length", "busy, come back later");
            return true;
        });
        XmlRpcException e = assertThrows(XmlRpcException.class, () -> client(1 << 20).call(server.endpoint(), "test.ping"));
        CallError error = CallError.of(e);
        assertEquals(CallError.Kind.PROTOCOL, error.kind());
        assertEquals("HTTP 503 Service Unavailable", error.message());
        assertTrue(e.getMessage().contains("busy, come back later"), e.getMessage());
    }

    @Test
    void aReplyOverTheLimitIsRefused() throws Exception {
        String big = "<?xml version=\"1.0\"?><methodResponse><params><param><value>" + "x".repeat(10_000)
                + "</value></param></params></methodResponse>";
        RawServer server = new RawServer((n, in, out) -> {
            reply(out, "200 OK", "Content-Length", big);
            return true;
        });
        XmlRpcException e = assertThrows(XmlRpcException.class, () -> client(4096).call(server.endpoint(), "test.ping"));
        assertTrue(e.getMessage().contains("limit of 4096 bytes"), e.getMessage());
    }

    @Test
    void aReplyCutShortIsAnError() throws Exception {
        RawServer server = new RawServer((n, in, out) -> {
            byte[] body = pong().getBytes(StandardCharsets.UTF_8);
            out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            out.write(body, 0, body.length / 2);    // the server dies half-way through its reply
            out.flush();
            return false;
        });
        XmlRpcException e = assertThrows(XmlRpcException.class, () -> client(1 << 20).call(server.endpoint(), "test.ping"));
        assertEquals(CallError.Kind.PROTOCOL, CallError.of(e).kind(), e.toString());
        assertTrue(e.getMessage().contains("cut short"), e.getMessage());
    }

    @Test
    void aReplyWithoutLengthEndsAtTheCloseAndTheConnectionIsNotReused() throws Exception {
        RawServer server = new RawServer((n, in, out) -> {
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nConnection: close\r\n\r\n" + pong())
                    .getBytes(StandardCharsets.UTF_8));
            out.flush();
            return false;          // the close ends the body
        });
        RpcClient c = client(1 << 20);
        assertEquals("pong", c.call(server.endpoint(), "test.ping"));
        assertEquals("pong", c.call(server.endpoint(), "test.ping"));
        assertEquals(2, server.connections.get(), "each call had its own connection");
    }

    @Test
    void aServerThatClosesAFreshConnectionUnansweredMayHaveRefusedOurCertificateOrStopped() throws Exception {
        RawServer server = new RawServer((n, in, out) -> false);       // reads the request, closes, no reply
        XmlRpcException e = assertThrows(XmlRpcException.class, () -> client(1 << 20).call(server.endpoint(), "test.ping"));
        CallError error = CallError.of(e);
        assertEquals(CallError.Kind.TLS, error.kind(), error.toString());
        assertTrue(error.message().contains("refused our certificate") && error.message().contains("or it stopped"),
                error.message());
    }

    @Test
    void aRevokedClientCertificateIsReportedAsTls() throws Exception {
        RpcServer server = RpcServer.start(RpcServer.Options.defaults(new InetSocketAddress("127.0.0.1", 0)),
                pki.context(pki.minion(NAME)), call -> "pong");
        open.add(server);
        jfunc.common.tls.Identity doomed = pki.identity("doomed-client", jfunc.common.tls.CertIssuer.Usage.CLIENT);
        pki.revoke(doomed);
        RpcClient.Endpoint ep = new RpcClient.Endpoint(NAME, "127.0.0.1", server.address().getPort());
        for (int i = 0; i < 3; i++) {   // the refusal shows up in several ways (alert, reset, broken pipe)
            RpcClient c = new RpcClient(pki.context(doomed), Duration.ofSeconds(5), Duration.ofSeconds(5));
            open.add(c);
            CallError error = CallError.of(assertThrows(XmlRpcException.class, () -> c.call(ep, "test.ping")));
            assertEquals(CallError.Kind.TLS, error.kind(), error.toString());
            assertTrue(error.message().contains("certificate"), error.message());
        }
    }

    @Test
    void eachMalformedReplyIsAProtocolErrorNamingTheFaultAndItsConnectionIsDropped() throws Exception {
        String xml = pong();
        String head = "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n";
        String chunkedHead = head + "Transfer-Encoding: chunked\r\n\r\n";
        String firstChunk = "a\r\n" + xml.substring(0, 10);
        String[][] cases = {
                // reply, what the error must say
                {chunkedHead + firstChunk + "XX" + Integer.toHexString(xml.length() - 10) + "\r\n" + xml.substring(10)
                        + "\r\n0\r\n\r\n", "not followed by CRLF"},
                {chunkedHead + firstChunk + "\r\n1", "ended in a chunk's size line"},
                {chunkedHead + firstChunk + "\r\n+5\r\n", "bad chunk size"},
                {head + "Content-Length: -5\r\n\r\n" + xml, "negative Content-Length"},
                {head + "Content-Length: " + xml.length() + "\r\nContent-Length: " + (xml.length() + 1) + "\r\n\r\n" + xml,
                        "conflicting Content-Length"},
                {head + "Content-Length: " + xml.length() + "\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + Integer.toHexString(xml.length()) + "\r\n" + xml + "\r\n0\r\n\r\n", "both Transfer-Encoding"},
                {"HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n", "not an HTTP/1.x status line"},
                {"HTTP/1.1 200OK\r\nContent-Length: 0\r\n\r\n", "not an HTTP/1.x status line"},
                {"HTTP/1.x 200 OK\r\nContent-Length: 0\r\n\r\n", "not an HTTP/1.x status line"},
                {"HTTP/1.1 +20 OK\r\nContent-Length: 0\r\n\r\n", "not an HTTP/1.x status line"},
        };
        for (String[] c : cases) {
            AtomicInteger calls = new AtomicInteger();
            RawServer server = new RawServer((n, in, out) -> {
                if (calls.incrementAndGet() > 1) {
                    reply(out, "200 OK", "Content-Length", pong());
                    return true;
                }
                out.write(c[0].getBytes(StandardCharsets.UTF_8));
                out.flush();
                return !c[0].endsWith("\r\n1");     // the truncated one ends with the close
            });
            RpcClient client = client(1 << 20);
            XmlRpcException e = assertThrows(XmlRpcException.class, () -> client.call(server.endpoint(), "test.ping"), c[1]);
            CallError error = CallError.of(e);
            assertEquals(CallError.Kind.PROTOCOL, error.kind(), c[1] + ": " + error);
            // Jetty's parser finds each of these; it does not say which rule broke, only that the
            // reply is bad (the old hand-written client named the rule in c[1])
            assertTrue(error.message().contains("malformed"), c[1] + ": " + error.message());
            assertEquals("pong", client.call(server.endpoint(), "test.ping"), c[1]);
            assertEquals(2, server.connections.get(), c[1] + ": the connection of the bad reply was not used again");
        }
    }

    static String pong() {
        return "<?xml version=\"1.0\"?><methodResponse><params><param><value>pong</value></param></params></methodResponse>";
    }

    /** Writes a reply with its length given as {@code framing} "Content-Length" or "Transfer-Encoding" (chunked). */
    static void reply(OutputStream out, String status, String framing, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder("HTTP/1.1 ").append(status).append("\r\nContent-Type: text/xml\r\n");
        if (framing.equals("Content-Length")) {
            out.write(head.append("Content-Length: ").append(b.length).append("\r\n\r\n").toString().getBytes(StandardCharsets.UTF_8));
            out.write(b);
        } else {
            out.write(head.append("Transfer-Encoding: chunked\r\n\r\n").toString().getBytes(StandardCharsets.UTF_8));
            for (int off = 0; off < b.length; off += 7) {      // small chunks, with an extension on one
                int len = Math.min(7, b.length - off);
                out.write((Integer.toHexString(len) + (off == 0 ? ";note=1" : "") + "\r\n").getBytes(StandardCharsets.UTF_8));
                out.write(b, off, len);
                out.write("\r\n".getBytes(StandardCharsets.UTF_8));
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.UTF_8));
        }
        out.flush();
    }

    /** What a raw server does with the n-th request of a connection; true keeps the connection. */
    interface Handler {
        boolean handle(int n, InputStream in, OutputStream out) throws IOException;
    }

    /** A TLS server (client certificate required) that reads whole HTTP requests and lets a handler answer. */
    final class RawServer implements AutoCloseable {
        final AtomicInteger connections = new AtomicInteger();
        final AtomicInteger requests = new AtomicInteger();
        final AtomicInteger closed = new AtomicInteger();
        private final SSLServerSocket socket;

        RawServer(Handler handler) throws IOException {
            socket = (SSLServerSocket) pki.context(pki.minion(NAME)).getServerSocketFactory()
                    .createServerSocket(0, 50, InetAddress.getLoopbackAddress());
            socket.setNeedClientAuth(true);
            open.add(this);
            Thread t = new Thread(() -> {
                while (!socket.isClosed()) {
                    try {
                        Socket s = socket.accept();
                        connections.incrementAndGet();
                        Thread c = new Thread(() -> serve(s, handler));
                        c.setDaemon(true);
                        c.start();
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            t.setDaemon(true);
            t.start();
        }

        RpcClient.Endpoint endpoint() {
            return new RpcClient.Endpoint(NAME, "127.0.0.1", socket.getLocalPort());
        }

        void awaitClosed(int n) throws InterruptedException {
            for (int i = 0; i < 500 && closed.get() < n; i++) {
                Thread.sleep(10);
            }
            Thread.sleep(50);  // let the close_notify reach the client's socket
        }

        private void serve(Socket s, Handler handler) {
            try (s) {
                InputStream in = new BufferedInputStream(s.getInputStream());
                OutputStream out = s.getOutputStream();
                for (int n = 1; ; n++) {
                    if (!readRequest(in)) {
                        return;
                    }
                    requests.incrementAndGet();
                    if (!handler.handle(n, in, out)) {
                        return;
                    }
                }
            } catch (IOException e) {
                // the client went away
            } finally {
                closed.incrementAndGet();
            }
        }

        /** Reads one request head and its Content-Length body; false at the end of the connection. */
        private boolean readRequest(InputStream in) throws IOException {
            long length = 0;
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            boolean any = false;
            while (true) {
                int b = in.read();
                if (b == -1) {
                    return false;
                }
                any = true;
                if (b != '\n') {
                    line.write(b);
                    continue;
                }
                String l = line.toString(StandardCharsets.ISO_8859_1).trim();
                line.reset();
                if (l.isEmpty() && any) {
                    break;
                }
                if (l.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                    length = Long.parseLong(l.substring(15).trim());
                }
            }
            in.readNBytes((int) length);
            return true;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
