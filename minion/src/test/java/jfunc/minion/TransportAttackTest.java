package jfunc.minion;

import jfunc.minion.testing.TestMinion;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import jfunc.common.Faults;
import jfunc.common.rpc.RpcClient;
import jfunc.common.rpc.RpcServer;
import jfunc.common.tls.Identity;
import org.apache.xmlrpc.XmlRpcException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit's attacks on a real minion (its server, ACL and modules on a loopback port), each
 * followed by what the overlord notices: a real call on a new connection still answers within
 * a second. Attackers come from several loopback source addresses (127.0.0.2 and up), so that
 * what is tested is that they hold nothing, not only the per-source handshake cap.
 */
public class TransportAttackTest {
    static final String PING = "<?xml version=\"1.0\"?><methodCall><methodName>test.ping</methodName>"
            + "<params></params></methodCall>";

    @TempDir
    Path dir;
    TestMinion minion;
    final List<Socket> sockets = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        minion = TestMinion.start(dir);
    }

    @AfterEach
    void stop() {
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        minion.close();
    }

    int port() {
        return minion.address().getPort();
    }

    /** A TCP connection from 127.0.0.{2 + n % 8}. */
    Socket attacker(int n) throws IOException {
        Socket s = new Socket(InetAddress.getByName("127.0.0.1"), port(), InetAddress.getByName("127.0.0." + (2 + n % 8)), 0);
        s.setSoTimeout(10_000);
        sockets.add(s);
        return s;
    }

    /** The milliseconds a real overlord call takes on a new connection (median of three); each must answer. */
    long realCallMillis() throws Exception {
        long[] ms = new long[3];
        for (int i = 0; i < ms.length; i++) {
            try (RpcClient fresh = minion.client(minion.overlordIdentity)) {
                long t0 = System.nanoTime();
                assertEquals(true, fresh.call(minion.endpoint, "test.ping"));
                ms[i] = (System.nanoTime() - t0) / 1_000_000;
            }
        }
        Arrays.sort(ms);
        return ms[1];
    }

    @Test
    void silentConnectionsStalledHellosAndTricklersDoNotDelayARealCall() throws Exception {
        byte[] hello = clientHello(minion.pki.context(minion.overlordIdentity));
        for (int i = 0; i < 200; i++) {
            attacker(i); // TCP only: no bytes
        }
        for (int i = 0; i < 100; i++) {
            OutputStream out = attacker(i).getOutputStream(); // a whole ClientHello, then silence
            out.write(hello);
            out.flush();
        }
        List<OutputStream> tricklers = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            tricklers.add(attacker(i).getOutputStream());
        }
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        int[] sent = {0};
        timer.scheduleAtFixedRate(() -> { // a byte a second of a ClientHello
            int at = sent[0]++;
            for (OutputStream out : tricklers) {
                try {
                    out.write(hello[Math.min(at, hello.length - 1)]);
                    out.flush();
                } catch (IOException closed) {
                    // the server cut it: fine
                }
            }
        }, 0, 1, TimeUnit.SECONDS);
        try {
            Thread.sleep(1500);
            long ms = realCallMillis();
            assertTrue(ms < 1000, "a real call took " + ms + " ms under the flood");
        } finally {
            timer.shutdownNow();
        }
    }

    @Test
    void oneSourceBeyondItsHandshakeCapLosesItsOldestConnections() throws Exception {
        List<Socket> flood = new ArrayList<>();
        for (int i = 0; i < RpcServer.HANDSHAKES_PER_SOURCE + 20; i++) {
            flood.add(attacker(0));
        }
        flood.get(0).setSoTimeout(5_000);
        assertEquals(-1, flood.get(0).getInputStream().read(), "the oldest silent connection is closed");
        assertTrue(realCallMillis() < 1000);
    }

    @Test
    void handshakedThenSilentConnectionsDoNotDelayARealCall() throws Exception {
        SSLContext ctx = minion.pki.context(minion.overlordIdentity);
        for (int i = 0; i < 300; i++) {
            SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(attacker(i), "127.0.0.1", port(), true);
            s.startHandshake(); // a valid certificate, then nothing
            sockets.add(s);
        }
        long ms = realCallMillis();
        assertTrue(ms < 1000, "a real call took " + ms + " ms with 300 silent TLS connections");
    }

    @Test
    void trickledBodiesFromACertificateWithNoGrantAreRefusedAtTheHead() throws Exception {
        SSLContext stranger = minion.pki.context(minion.pki.minion("stranger.example.org"));
        List<SSLSocket> tricklers = new ArrayList<>();
        for (int i = 0; i < 130; i++) {
            SSLSocket s = (SSLSocket) stranger.getSocketFactory().createSocket(attacker(i), "127.0.0.1", port(), true);
            sockets.add(s);
            OutputStream out = s.getOutputStream();
            out.write(("POST /RPC2 HTTP/1.1\r\nHost: m1\r\nContent-Type: text/xml\r\nContent-Length: 16000000\r\n\r\n"
                    + "<?xml version=\"1.0\"?><methodCall><methodName>").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            tricklers.add(s);
        }
        for (SSLSocket s : tricklers) { // each refused at once, its body never waited for
            String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(reply.startsWith("HTTP/1.1 200") && reply.contains("<i4>" + Faults.FORBIDDEN + "</i4>"), reply);
            assertTrue(reply.toLowerCase(java.util.Locale.ROOT).contains("connection: close"), reply);
        }
        long ms = realCallMillis();
        assertTrue(ms < 1000, "a real call took " + ms + " ms");
        assertTrue(minion.minion.transportStats().refusedForbidden() >= 130);
    }

    @Test
    void parallelBigBodiesFromAGrantedCertificateStayWithinTheBudget() throws Exception {
        assertEquals(true, minion.call("test.ping"));
        java.util.Set<String> filesBefore = files(dir);
        SSLContext overlord = minion.pki.context(minion.overlordIdentity);
        int size = 15 * 1024 * 1024;
        String prefix = "<?xml version=\"1.0\"?><methodCall><methodName>test.ping</methodName><params><param><value><string>";
        String suffix = "</string></value></param></params></methodCall>";
        int length = prefix.length() + size + suffix.length();
        List<SSLSocket> senders = new ArrayList<>();
        for (int i = 0; i < 4; i++) { // four heads and the start of four 15 MiB bodies, all at once
            SSLSocket s = (SSLSocket) overlord.getSocketFactory().createSocket("127.0.0.1", port());
            s.setSoTimeout(20_000);
            sockets.add(s);
            OutputStream out = s.getOutputStream();
            out.write(("POST /RPC2 HTTP/1.1\r\nHost: m1\r\nContent-Type: text/xml\r\nContent-Length: " + length
                    + "\r\n\r\n" + prefix).getBytes(StandardCharsets.US_ASCII));
            out.flush();
            senders.add(s);
        }
        Thread.sleep(300);
        // one body fits the budget; the other three are told "busy" at once, before their bodies
        int busy = 0;
        SSLSocket admitted = null;
        for (SSLSocket s : senders) {
            s.setSoTimeout(500);
            try {
                String reply = readSome(s.getInputStream());
                assertTrue(reply.contains("<i4>" + Faults.UNAVAILABLE + "</i4>") && reply.contains("busy"), reply);
                busy++;
            } catch (SocketTimeoutException stillReading) {
                admitted = s;
            }
        }
        assertEquals(3, busy, "bodies beyond the budget refused");
        assertTrue(admitted != null);
        admitted.setSoTimeout(30_000);
        OutputStream out = admitted.getOutputStream();
        byte[] chunk = "x".repeat(1024 * 1024).getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < 15; i++) {
            out.write(chunk);
        }
        out.write(suffix.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String reply = readSome(admitted.getInputStream());
        // test.ping takes no argument: a fault from the module, not from the transport
        assertTrue(reply.startsWith("HTTP/1.1 200"), reply);
        assertTrue(realCallMillis() < 1000);
        assertEquals(filesBefore, files(dir), "the minion's files are untouched");
    }

    @Test
    void revocationClosesAnOpenKeptAliveConnection() throws Exception {
        Identity doomed = minion.pki.identity("overlord", jfunc.common.tls.CertIssuer.Usage.OVERLORD);
        SSLSocket s = (SSLSocket) minion.pki.context(doomed).getSocketFactory().createSocket("127.0.0.1", port());
        sockets.add(s);
        s.setSoTimeout(10_000);
        OutputStream out = s.getOutputStream();
        byte[] ping = ("POST /RPC2 HTTP/1.1\r\nHost: m1\r\nContent-Type: text/xml\r\nContent-Length: " + PING.length()
                + "\r\n\r\n" + PING).getBytes(StandardCharsets.US_ASCII);
        out.write(ping);
        out.flush();
        assertTrue(readSome(s.getInputStream()).startsWith("HTTP/1.1 200"));
        RpcClient pooled = minion.client(doomed);
        assertEquals(true, pooled.call(minion.endpoint, "test.ping")); // its connection stays in the pool
        minion.pki.revoke(doomed); // the minion's trust gets the new CRL
        long t0 = System.nanoTime();
        int got;
        try {
            got = s.getInputStream().read();
        } catch (IOException closed) {
            got = -1;
        }
        assertEquals(-1, got, "the kept-alive connection is closed by the server");
        assertTrue((System.nanoTime() - t0) / 1_000_000 < 5_000);
        assertThrows(XmlRpcException.class, () -> pooled.call(minion.endpoint, "test.ping"));
        assertEquals(true, minion.call("test.ping"));
    }

    /** Reads what has arrived of a reply (one read after the first byte). */
    static String readSome(InputStream in) throws IOException {
        byte[] buf = new byte[64 * 1024];
        int n = in.read(buf);
        return n < 0 ? "" : new String(buf, 0, n, StandardCharsets.UTF_8);
    }

    /** The first TLS record a client sends: a whole ClientHello. */
    public static byte[] clientHello(SSLContext ctx) throws IOException {
        SSLEngine engine = ctx.createSSLEngine("m1.example.org", 443);
        engine.setUseClientMode(true);
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.beginHandshake();
        engine.wrap(ByteBuffer.allocate(0), out);
        out.flip();
        byte[] b = new byte[out.remaining()];
        out.get(b);
        return b;
    }

    /** The names of the files under {@code root} (a status file moved aside as corrupt would show). */
    static java.util.Set<String> files(Path root) throws IOException {
        java.util.Set<String> m = new java.util.TreeSet<>();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                if (Files.isRegularFile(p)) {
                    m.add(root.relativize(p).toString());
                }
            }
        }
        return m;
    }
}
