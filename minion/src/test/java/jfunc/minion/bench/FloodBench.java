package jfunc.minion.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * The audit's floods against one real jfuncd process (bin/jfuncd), each held while a real call
 * is timed: {@code test.ping} on a new connection with a full TLS handshake, as a one-shot
 * overlord makes it. Prints p50 and p99 per flood, and how many calls got no answer within
 * {@code bench.call_timeout} (5 s). Attackers come from 127.0.0.2-9. Bounded: each flood is
 * held for its calls only, then closed. Run with {@code bench/minion --flood [ROOT]}, where ROOT
 * is the checkout whose bin/jfuncd is attacked (default: this one).
 */
public final class FloodBench {
    private static final int CALLS = Integer.getInteger("bench.calls", 50);
    private static final int CALL_TIMEOUT_MS = Integer.getInteger("bench.call_timeout", 5) * 1000;

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath().normalize();
        try (MinionBench.Jfuncd jfuncd = MinionBench.Jfuncd.start(root)) {
            Thread.sleep(3000);
            new FloodBench(jfuncd).run();
        }
        System.exit(0);
    }

    private final MinionBench.Jfuncd jfuncd;
    private final List<Socket> held = java.util.Collections.synchronizedList(new ArrayList<>());

    private FloodBench(MinionBench.Jfuncd jfuncd) {
        this.jfuncd = jfuncd;
    }

    private void run() throws Exception {
        System.out.printf("a real call (new connection, full handshake) under each flood: %d calls, %d ms timeout%n",
                CALLS, CALL_TIMEOUT_MS);
        for (int i = 0; i < 200; i++) { // the client's TLS code compiled first: the server is measured, not our JIT
            MinionBench.freshPing(jfuncd.pki().context(jfuncd.overlord()), jfuncd.port(), CALL_TIMEOUT_MS);
        }
        measure("no flood", timer -> { });
        SSLContext overlord = jfuncd.pki().context(jfuncd.overlord());
        byte[] hello = jfunc.minion.TransportAttackTest.clientHello(overlord);
        AtomicBoolean stop = new AtomicBoolean();
        try {
            measure("200 silent TCP + 100 stalled ClientHellos + 50 byte-a-second tricklers + 8 new stalled a second",
                    timer -> {
                        for (int i = 0; i < 200; i++) {
                            attacker(i);
                        }
                        for (int i = 0; i < 100; i++) {
                            send(attacker(i), hello);
                        }
                        List<Socket> tricklers = new ArrayList<>();
                        for (int i = 0; i < 50; i++) {
                            tricklers.add(attacker(i));
                        }
                        int[] at = {0};
                        timer.scheduleAtFixedRate(() -> {
                            int k = Math.min(at[0]++, hello.length - 1);
                            for (Socket s : tricklers) {
                                quietly(() -> send(s, new byte[] {hello[k]}));
                            }
                        }, 0, 1, TimeUnit.SECONDS);
                        int[] n = {0};
                        timer.scheduleAtFixedRate(() -> quietly(() -> send(attacker(n[0]++), hello)), 0, 125,
                                TimeUnit.MILLISECONDS);
                    });
            measure("300 handshaked-then-silent TLS connections (valid certificate)", timer -> {
                for (int i = 0; i < 300; i++) {
                    Socket plain = attacker(i);
                    quietly(() -> {
                        SSLSocket s = (SSLSocket) overlord.getSocketFactory().createSocket(plain, "127.0.0.1",
                                jfuncd.port(), true);
                        s.startHandshake();
                        held.add(s);
                    });
                }
            });
            SSLContext stranger = jfuncd.pki().context(jfuncd.pki().minion("stranger.example.org"));
            measure("130 trickled 16 MB bodies from a certificate with no grant", timer -> {
                for (int i = 0; i < 130; i++) {
                    Socket plain = attacker(i);
                    quietly(() -> {
                        SSLSocket s = (SSLSocket) stranger.getSocketFactory().createSocket(plain, "127.0.0.1",
                                jfuncd.port(), true);
                        held.add(s);
                        send(s, ("POST /RPC2 HTTP/1.1\r\nHost: m1\r\nContent-Type: text/xml\r\nContent-Length: 16000000"
                                + "\r\n\r\n<?xml version=\"1.0\"?><methodCall><methodName>").getBytes(StandardCharsets.US_ASCII));
                    });
                }
            });
            measure("4 parallel 15 MiB bodies at a time, again and again, from a granted certificate", timer -> {
                byte[] big = ("<?xml version=\"1.0\"?><methodCall><methodName>test.ping</methodName><params><param>"
                        + "<value><string>" + "x".repeat(15 * 1024 * 1024) + "</string></value></param></params>"
                        + "</methodCall>").getBytes(StandardCharsets.US_ASCII);
                for (int t = 0; t < 4; t++) {
                    Thread th = new Thread(() -> {
                        while (!stop.get()) {
                            quietly(() -> {
                                try (SSLSocket s = (SSLSocket) overlord.getSocketFactory().createSocket("127.0.0.1",
                                        jfuncd.port())) {
                                    s.setSoTimeout(30_000);
                                    send(s, ("POST /RPC2 HTTP/1.1\r\nHost: m1\r\nContent-Type: text/xml\r\nContent-Length: "
                                            + big.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                                    send(s, big);
                                    s.getInputStream().readAllBytes();
                                }
                            });
                        }
                    });
                    th.setDaemon(true);
                    th.start();
                }
            });
        } finally {
            stop.set(true);
        }
    }

    interface Flood {
        void start(ScheduledExecutorService timer) throws Exception;
    }

    interface Io {
        void run() throws IOException;
    }

    /** Starts a flood, times the real calls under it, then ends the flood. */
    private void measure(String flood, Flood start) throws Exception {
        ScheduledExecutorService timer = Executors.newScheduledThreadPool(2);
        try {
            start.start(timer);
            Thread.sleep(1500);
            time(flood);
        } finally {
            timer.shutdownNow();
            closeHeld();
        }
    }

    private void time(String flood) throws Exception {
        double[] ms = new double[CALLS];
        int unanswered = 0;
        for (int i = 0; i < CALLS; i++) {
            SSLContext fresh = jfuncd.pki().context(jfuncd.overlord()); // a full handshake, as a new process makes
            long t0 = System.nanoTime();
            try {
                MinionBench.freshPing(fresh, jfuncd.port(), CALL_TIMEOUT_MS);
                ms[i] = (System.nanoTime() - t0) / 1e6;
            } catch (IOException e) {
                unanswered++;
                ms[i] = Double.POSITIVE_INFINITY;
            }
        }
        Arrays.sort(ms);
        System.out.printf("%s:%n    p50 %s, p99 %s, unanswered %d of %d%n", flood, shown(MinionBench.pct(ms, 50)),
                shown(MinionBench.pct(ms, 99)), unanswered, CALLS);
    }

    private static String shown(double ms) {
        return Double.isInfinite(ms) ? "> " + CALL_TIMEOUT_MS + " ms" : String.format("%.1f ms", ms);
    }

    /** A TCP connection from 127.0.0.{2 + n % 8}, kept until the flood ends. */
    private Socket attacker(int n) throws IOException {
        Socket s = new Socket(InetAddress.getByName("127.0.0.1"), jfuncd.port(), InetAddress.getByName("127.0.0." + (2 + n % 8)), 0);
        synchronized (held) {
            held.add(s);
        }
        return s;
    }

    private static void send(Socket s, byte[] bytes) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(bytes);
        out.flush();
    }

    private static void quietly(Io io) {
        try {
            io.run();
        } catch (IOException closedByTheServer) {
            // what the server should do to an attacker
        }
    }

    private void closeHeld() {
        synchronized (held) {
            for (Socket s : held) {
                quietly(s::close);
            }
            held.clear();
        }
    }
}
