package jfunc.overlord.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import jfunc.common.rpc.RpcClient;
import jfunc.common.rpc.XmlRpcHandler;
import jfunc.common.testing.TestPki;
import jfunc.common.tls.CaTrust;
import jfunc.common.tls.CertIssuer;
import jfunc.common.tls.Identity;
import jfunc.common.tls.Pem;
import jfunc.common.tls.TlsContexts;
import jfunc.overlord.CallResult;
import jfunc.overlord.FanOut;
import jfunc.overlord.FanOutListener;
import jfunc.overlord.Inventory;
import jfunc.overlord.MethodCall;
import jfunc.overlord.MinionAddress;
import jfunc.overlord.Overlord;
import jfunc.overlord.Selection;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * One overlord holding N kept-alive TLS connections (default 10,000): a {@code test.ping} fan-out
 * to N minion endpoints, first over fresh connections, then again over the kept-alive ones;
 * prints the wall times and this process's threads, RSS and pooled connections.
 *
 * <p>The minion side runs in child JVMs (a process may hold at most 20,000 files here, and a
 * minion's connector needs five): each child is one Jetty server with a TLS connector per minion,
 * on its own loopback port with its own certificate from the benchmark's CA, answering through
 * our {@link XmlRpcHandler}. Run with {@code bench/overlord-fanout --kept-alive [N]}.
 */
public final class KeptAliveBench {
    private static final int PER_CHILD = 2_500; // listener, connection, its selector's epoll and wake-up pipe

    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        if (args.length > 0 && args[0].equals("--servers")) {
            servers(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            return;
        }
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int forks = Integer.getInteger("bench.forks", FanOut.DEFAULT_FORKS);
        int runs = Integer.getInteger("bench.runs", 15);
        TestPki pki = new TestPki("kept-alive-ca");
        List<Process> children = new ArrayList<>();
        long t0 = System.nanoTime();
        try {
            List<MinionAddress> minions = endpoints(pki, n, children);
            System.out.printf("%d minion endpoints in %d child JVMs, started in %.1f s; forks=%d; %d cores, Java %s%n",
                    n, children.size(), (System.nanoTime() - t0) / 1e9, forks, Runtime.getRuntime().availableProcessors(),
                    System.getProperty("java.version"));
            Inventory inventory = Inventory.of(minions, Map.of());
            Selection all = inventory.select("*");
            FanOut.Limits limits = new FanOut.Limits(forks, Duration.ofSeconds(60));
            System.out.printf("before: %s%n", self());
            try (Overlord o = Overlord.of(pki.overlord(), pki.trust(), inventory, limits)) {
                long fresh = once(o, all);
                RpcClient.ClientStats s = o.fanOut().transportStats();
                System.out.printf("fan-out over fresh connections (a full TLS handshake each): %.2f s; %s;"
                        + " pooled connections %d, handshakes %d%n", fresh / 1e9, self(), s.pooledConnections(), s.connectionsOpened());
                // The first fan-out may outlast the client's idle limit for its first connections;
                // fan out again until every connection is pooled, so the rounds timed are all kept-alive.
                for (int i = 0; i < 3 && o.fanOut().transportStats().pooledConnections() < n; i++) {
                    System.out.printf("a round to reconnect what idled out: %.2f s%n", once(o, all) / 1e9);
                }
                List<Long> times = new ArrayList<>();
                for (int i = 0; i < runs; i++) {
                    times.add(once(o, all));
                }
                Collections.sort(times);
                s = o.fanOut().transportStats();
                System.out.printf("fan-out over kept-alive connections: median %.3f s (min %.3f, max %.3f) of %d;"
                        + " %s; pooled connections %d, handshakes %d%n", times.get(times.size() / 2) / 1e9,
                        times.get(0) / 1e9, times.get(times.size() - 1) / 1e9, runs, self(), s.pooledConnections(),
                        s.connectionsOpened());
            }
        } finally {
            for (Process c : children) {
                c.destroy();
            }
        }
    }

    /**
     * N minion endpoints answering {@code true} to every call, with certificates from {@code pki},
     * in child JVMs of {@link #PER_CHILD} each (added to {@code children}: destroy them when done).
     */
    static List<MinionAddress> endpoints(TestPki pki, int n, List<Process> children) throws Exception {
        Path dir = Files.createTempDirectory("jfunc-kept-alive");
        Files.writeString(dir.resolve("ca.key"), Pem.encodePrivateKey(pki.caKey()));
        Files.writeString(dir.resolve("ca.crt"), Pem.encode(pki.caCertificate()));
        List<MinionAddress> minions = new ArrayList<>();
        for (int from = 0; from < n; from += PER_CHILD) {
            children.add(child(dir, from, Math.min(PER_CHILD, n - from)));
        }
        for (Process c : children) {
            BufferedReader r = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.UTF_8));
            for (String line; (line = r.readLine()) != null && !line.equals("READY"); ) {
                String[] f = line.split(" ");
                minions.add(new MinionAddress(f[0], "127.0.0.1", Integer.parseInt(f[1])));
            }
        }
        if (minions.size() != n) {
            throw new IllegalStateException("the minion servers did not start: " + minions.size() + " of " + n);
        }
        return minions;
    }

    private static long once(Overlord o, Selection all) {
        long t0 = System.nanoTime();
        CallResult r = o.call(all, MethodCall.of("test.ping"), FanOutListener.NONE);
        long t = System.nanoTime() - t0;
        if (!r.allOk()) {
            throw new IllegalStateException(r.failures().size() + " minions failed, first: " + r.failures().get(0));
        }
        return t;
    }

    /** Threads and RSS of this process, from /proc, and the heap live after a full GC. */
    private static String self() throws Exception {
        System.gc();
        long live = java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        String threads = "?";
        String rss = "?";
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Threads:")) {
                threads = line.substring(8).strip();
            } else if (line.startsWith("VmRSS:")) {
                rss = String.format("%.0f MB", Long.parseLong(line.replaceAll("\\D", "")) / 1024.0);
            }
        }
        return String.format("overlord threads %s, RSS %s, heap live after GC %.0f MB", threads, rss, live / 1048576.0);
    }

    private static Process child(Path dir, int from, int count) throws Exception {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xss256k",
                "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), KeptAliveBench.class.getName(),
                "--servers", dir.toString(), Integer.toString(from), Integer.toString(count));
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    /** A child: {@code count} TLS connectors on one Jetty server; prints "name port" lines, then READY. */
    private static void servers(Path dir, int from, int count) throws Exception {
        X509Certificate caCert = Pem.readCertificate(dir.resolve("ca.crt"));
        CertIssuer issuer = new CertIssuer(Pem.readPrivateKey(dir.resolve("ca.key")), caCert);
        CaTrust trust = new CaTrust(caCert, issuer.crl(Map.<BigInteger, Instant>of(), Duration.ofDays(1)));
        QueuedThreadPool threads = new QueuedThreadPool(count + 64, 8);
        threads.setDaemon(true);
        Server server = new Server(threads);
        List<String> names = new ArrayList<>();
        List<ServerConnector> connectors = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            String name = String.format("m%05d.kept.example.org", i);
            KeyPair kp = CertIssuer.newKeyPair();
            X509Certificate cert = issuer.issue(kp.getPublic(), name, CertIssuer.Usage.MINION, Duration.ofDays(1));
            SSLContext tls = TlsContexts.mutual(new Identity(kp.getPrivate(), List.of(cert)), trust);
            SslContextFactory.Server ssl = new SslContextFactory.Server();
            ssl.setSslContext(tls);
            ssl.setNeedClientAuth(true);
            ssl.setIncludeProtocols(TlsContexts.PROTOCOL);
            ServerConnector c = new ServerConnector(server, 0, 1, new SslConnectionFactory(ssl, "http/1.1"),
                    new HttpConnectionFactory());
            c.setHost("127.0.0.1");
            c.setPort(0);
            c.setIdleTimeout(300_000);
            server.addConnector(c);
            names.add(name);
            connectors.add(c);
        }
        server.setHandler(new XmlRpcHandler(call -> true, 1 << 20, 16 << 20, threads));
        server.start();
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < count; i++) {
            out.append(names.get(i)).append(' ').append(connectors.get(i).getLocalPort()).append('\n');
        }
        System.out.print(out.append("READY\n"));
        System.out.flush();
        System.in.read(); // until the benchmark ends (and closes our stdin)
        server.stop();
    }
}
