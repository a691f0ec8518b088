package jfunc.common.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLSocket;
import jfunc.common.testing.TestPki;
import jfunc.common.tls.Identity;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The server's HTTP layer, spoken by hand over real TLS: what each request a well-behaved
 * XML-RPC client never sends gets, and keep-alive (pipelining, parking, idle connections).
 */
class RpcServerHttpTest {
    static final String PING = "<?xml version=\"1.0\"?><methodCall><methodName>test.ping</methodName>"
            + "<params></params></methodCall>";
    static TestPki pki;
    static Identity overlord;
    static RpcServer rpc;

    @BeforeAll
    static void start() throws Exception {
        pki = new TestPki();
        overlord = pki.overlord();
        RpcServer.Options opts = RpcServer.Options.defaults(new InetSocketAddress("127.0.0.1", 0))
                .withName("http").withMaxBodyBytes(64 * 1024).withWorkerThreads(2);
        rpc = RpcServer.start(opts, pki.context(pki.minion("m1.example.org")), call -> true);
    }

    @AfterAll
    static void stop() {
        rpc.close();
    }

    record Reply(int status, Map<String, String> headers, String body) {}

    @Test
    void getIsRefusedWith405AndAllow() throws Exception {
        try (SSLSocket s = connect()) {
            send(s, "GET /RPC2 HTTP/1.1\r\nHost: m1\r\n\r\n");
            Reply r = read(s.getInputStream());
            assertEquals(405, r.status());
            assertEquals("POST", r.headers().get("allow"));
            assertTrue(r.body().contains("POST text/xml"), r.body());
            assertEquals(-1, s.getInputStream().read(), "connection closed after a refusal");
        }
    }

    @Test
    void chunkedOrUnsizedBodiesGet411() throws Exception {
        try (SSLSocket s = connect()) {
            send(s, "POST /RPC2 HTTP/1.1\r\nHost: m1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
            Reply r = read(s.getInputStream());
            assertEquals(411, r.status());
            assertTrue(r.body().contains("Content-Length"), r.body());
        }
        try (SSLSocket s = connect()) {
            send(s, "POST /RPC2 HTTP/1.1\r\nHost: m1\r\n\r\n");
            assertEquals(411, read(s.getInputStream()).status());
        }
    }

    @Test
    void malformedHeadsGet400AndHugeHeads431() throws Exception {
        try (SSLSocket s = connect()) { // no version: HTTP/0.9, which is not spoken
            send(s, "POST /RPC2\r\n\r\n");
            assertEquals(505, read(s.getInputStream()).status());
        }
        for (String bad : List.of("POST /RPC2 HTTP/1.1\r\nno colon here\r\n\r\n",
                "POST /RPC2 HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
                "POST /RPC2 HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
                // space before the colon, and a continuation line: two parsers could read these differently
                "POST /RPC2 HTTP/1.1\r\nContent-Length : 5\r\n\r\nhello",
                "POST /RPC2 HTTP/1.1\r\nX-A: b\r\n Content-Length: 5\r\n\r\nhello")) {
            try (SSLSocket s = connect()) {
                send(s, bad);
                assertEquals(400, read(s.getInputStream()).status(), bad);
            }
        }
        try (SSLSocket s = connect()) {
            send(s, "POST /RPC2 HTTP/1.1\r\nX-Junk: " + "a".repeat(20_000) + "\r\n\r\n");
            assertEquals(431, read(s.getInputStream()).status());
        }
        try (SSLSocket s = connect()) {
            send(s, "POST /RPC2 HTTP/1.7\r\nContent-Length: 0\r\n\r\n");
            assertEquals(505, read(s.getInputStream()).status());
        }
    }

    @Test
    void pipelinedAndLaterRequestsShareOneConnection() throws Exception {
        try (SSLSocket s = connect()) {
            send(s, post(PING) + post(PING)); // two requests in one write: answered in order
            assertTrue(read(s.getInputStream()).body().contains("<boolean>1</boolean>"));
            assertTrue(read(s.getInputStream()).body().contains("<boolean>1</boolean>"));
            Thread.sleep(200); // the connection is parked now, and woken by the next request
            send(s, post(PING));
            Reply third = read(s.getInputStream());
            assertEquals(200, third.status());
            assertEquals(null, third.headers().get("connection"));
        }
    }

    @Test
    void expectContinueGetsAnInterimReplyBeforeTheBody() throws Exception {
        try (SSLSocket s = connect()) {
            byte[] body = PING.getBytes(StandardCharsets.UTF_8);
            send(s, "POST /RPC2 HTTP/1.1\r\nHost: m1\r\nExpect: 100-continue\r\nContent-Length: " + body.length + "\r\n\r\n");
            assertEquals(100, read(s.getInputStream()).status());
            send(s, PING);
            assertEquals(200, read(s.getInputStream()).status());
        }
    }

    @Test
    void http10AndConnectionCloseEndTheConnectionAfterTheReply() throws Exception {
        // HTTP/1.1 requires a Host header (RFC 9112: 400 without one)
        for (String head : List.of("POST /RPC2 HTTP/1.0\r\n", "POST /RPC2 HTTP/1.1\r\nHost: m1\r\nConnection: close\r\n")) {
            try (SSLSocket s = connect()) {
                send(s, head + "Content-Length: " + PING.length() + "\r\n\r\n" + PING);
                Reply r = read(s.getInputStream());
                assertEquals(200, r.status());
                assertEquals("close", r.headers().get("connection"));
                assertEquals(-1, s.getInputStream().read());
            }
        }
    }

    @Test
    void idleKeptAliveConnectionsHoldNoThread() throws Exception {
        // More idle kept-alive connections than there are connection threads (128): each is
        // parked on the selector, so a new call still gets a thread at once.
        List<SSLSocket> idle = new ArrayList<>();
        try {
            for (int i = 0; i < 140; i++) {
                SSLSocket s = connect();
                idle.add(s);
                send(s, post(PING));
                assertEquals(200, read(s.getInputStream()).status());
            }
            try (RpcClient client = new RpcClient(pki.context(overlord), Duration.ofSeconds(5), Duration.ofSeconds(5))) {
                assertEquals(true, client.call(new RpcClient.Endpoint("m1.example.org", "127.0.0.1",
                        rpc.address().getPort()), "test.ping"));
            }
            SSLSocket first = idle.get(0); // and the first one is still served
            send(first, post(PING));
            assertEquals(200, read(first.getInputStream()).status());
        } finally {
            for (SSLSocket s : idle) {
                s.close();
            }
        }
    }

    @Test
    void stopClosesIdleAndSilentConnectionsAndFreesThePort() throws Exception {
        RpcServer.Options opts = RpcServer.Options.defaults(new InetSocketAddress("127.0.0.1", 0)).withName("short");
        RpcServer server = RpcServer.start(opts, pki.context(pki.minion("m2.example.org")), call -> true);
        int port = server.address().getPort();
        try (SSLSocket parked = connect(port); SSLSocket silent = connect(port)) {
            send(parked, post(PING));
            assertEquals(200, read(parked.getInputStream()).status());
            silent.startHandshake(); // holds a connection thread, blocked reading a request head
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> server.stop(0));
            for (SSLSocket s : List.of(parked, silent)) {
                int got;
                try {
                    got = s.getInputStream().read();
                } catch (IOException closed) {
                    got = -1;
                }
                assertEquals(-1, got, "connection closed by stop()");
            }
        }
        try (java.net.ServerSocket again = new java.net.ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
            assertEquals(port, again.getLocalPort(), "the port is free after stop()");
        }
    }

    @Test
    void silentConnectsHoldNoThreadAndAreClosedAtTheRequestTimeout() throws Exception {
        // More plain TCP connects that send nothing than there are connection threads (128):
        // they wait on the selector, so a real call is answered at once; each is closed when
        // the request timeout (1 s here) has passed.
        try (RpcServer server = quickTimeoutServer()) {
            int port = server.address().getPort();
            List<Socket> silent = new ArrayList<>();
            try {
                for (int i = 0; i < 140; i++) {
                    silent.add(new Socket("127.0.0.1", port));
                }
                try (RpcClient client = new RpcClient(pki.context(overlord), Duration.ofSeconds(5), Duration.ofSeconds(5))) {
                    assertEquals(true, client.call(new RpcClient.Endpoint("m3.example.org", "127.0.0.1", port), "test.ping"));
                }
                Socket first = silent.get(0);
                first.setSoTimeout(15_000); // far beyond the 1 s timeout and the 1 s sweep
                assertEquals(-1, first.getInputStream().read(), "closed by the server");
            } finally {
                for (Socket s : silent) {
                    s.close();
                }
            }
        }
    }

    @Test
    void oneByteHellosHoldNoThreadBeyondTheHandshakeLimit() throws Exception {
        // A byte of a ClientHello each (no certificate needed): at most 32 handshakes hold a
        // thread, the rest wait on the selector, so a real call still gets through at once.
        RpcServer.Options opts = RpcServer.Options.defaults(new InetSocketAddress("127.0.0.1", 0))
                .withName("hello").withRequestTimeout(Duration.ofSeconds(60));
        try (RpcServer server = RpcServer.start(opts, pki.context(pki.minion("m4.example.org")), call -> true)) {
            int port = server.address().getPort();
            List<Socket> stalled = new ArrayList<>();
            try {
                for (int i = 0; i < 140; i++) {
                    Socket s = new Socket("127.0.0.1", port);
                    s.getOutputStream().write(0x16);
                    stalled.add(s);
                }
                Thread.sleep(500); // let the listener hand out what it will
                try (RpcClient client = new RpcClient(pki.context(overlord), Duration.ofSeconds(5), Duration.ofSeconds(5))) {
                    assertEquals(true, client.call(new RpcClient.Endpoint("m4.example.org", "127.0.0.1", port), "test.ping"));
                }
            } finally {
                for (Socket s : stalled) {
                    s.close();
                }
            }
        }
    }

    @Test
    void aReplyOnItsWayOutWhenStopRunsStillArrives() throws Exception {
        // The minion stops its calls first, then the server: a reply being written must get out.
        java.util.concurrent.CountDownLatch returned = new java.util.concurrent.CountDownLatch(1);
        String big = "x".repeat(2 * 1024 * 1024);
        RpcServer.Options opts = RpcServer.Options.defaults(new InetSocketAddress("127.0.0.1", 0)).withName("stopping");
        RpcServer server = RpcServer.start(opts, pki.context(pki.minion("m5.example.org")), call -> {
            returned.countDown();
            return big;
        });
        try (RpcClient client = new RpcClient(pki.context(overlord), Duration.ofSeconds(5), Duration.ofSeconds(20))) {
            java.util.concurrent.CompletableFuture<Object> reply = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return client.call(new RpcClient.Endpoint("m5.example.org", "127.0.0.1", server.address().getPort()), "big");
                } catch (Exception e) {
                    return e;
                }
            });
            returned.await();
            server.stop(5);
            assertEquals(big.length(), String.valueOf(reply.get()).length(), () -> String.valueOf(reply.join()).substring(0, 200));
        }
    }

    @Test
    void aTrickledHandshakeOrRequestHeadIsCutAtItsDeadline() throws Exception {
        // A byte now and then restarts a socket timeout; the deadline is for the whole phase.
        try (RpcServer server = quickTimeoutServer()) {
            int port = server.address().getPort();
            try (Socket raw = new Socket("127.0.0.1", port)) { // a TLS record header, then a byte at a time
                raw.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00});
                assertTrue(closedWhileTrickling(raw.getOutputStream(), raw), "handshake cut");
            }
            try (SSLSocket tls = connect(port)) { // a request head, a byte (one TLS record) at a time
                send(tls, "POST /RPC2 HTTP/1.1\r\n");
                assertTrue(closedWhileTrickling(tls.getOutputStream(), tls), "request head cut");
            }
        }
    }

    /** Sends a byte every 200 ms for up to 15 s; true when the server closed the connection meanwhile. */
    private static boolean closedWhileTrickling(OutputStream out, Socket socket) throws Exception {
        socket.setSoTimeout(200);
        long end = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < end) {
            try {
                out.write('a');
                out.flush();
                if (socket.getInputStream().read() == -1) {
                    return true;
                }
            } catch (java.net.SocketTimeoutException stillOpen) {
                // nothing to read yet: go on trickling
            } catch (IOException closed) {
                return true;
            }
        }
        return false;
    }

    private static RpcServer quickTimeoutServer() throws IOException {
        RpcServer.Options opts = RpcServer.Options.defaults(new InetSocketAddress("127.0.0.1", 0))
                .withName("quick").withRequestTimeout(Duration.ofSeconds(1));
        return RpcServer.start(opts, pki.context(pki.minion("m3.example.org")), call -> true);
    }

    static SSLSocket connect() throws IOException {
        return connect(rpc.address().getPort());
    }

    static SSLSocket connect(int port) throws IOException {
        SSLSocket s = (SSLSocket) pki.context(overlord).getSocketFactory().createSocket("127.0.0.1", port);
        s.setSoTimeout(10_000);
        return s;
    }

    static String post(String body) {
        return "POST /RPC2 HTTP/1.1\r\nHost: m1\r\nContent-Type: text/xml\r\nContent-Length: "
                + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
    }

    static void send(SSLSocket s, String text) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Reads one reply: status line, headers (names in lower case) and a Content-Length body. */
    static Reply read(InputStream in) throws IOException {
        String status = line(in);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String h; !(h = line(in)).isEmpty(); ) {
            int colon = h.indexOf(':');
            headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
        }
        int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
        String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
        return new Reply(Integer.parseInt(status.substring(9, 12)), headers, body);
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) {
                throw new IOException("connection closed mid-line after: " + b);
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }
}
