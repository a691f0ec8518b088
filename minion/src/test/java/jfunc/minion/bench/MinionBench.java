package jfunc.minion.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jfunc.common.rpc.RpcClient;
import jfunc.common.rpc.XmlRpcMessages;
import jfunc.common.testing.TestPki;
import jfunc.common.tls.Identity;
import jfunc.minion.MinionIdentity;

/**
 * Benchmark against one real jfuncd process on loopback, started with bin/jfuncd (so with the
 * launcher's JVM flags). Prints ping latency over a reused connection and over fresh TLS
 * connections, multicall of 100 pings vs 100 calls, and the process's RSS. Bounded: about a
 * minute. Run from the repository root after building:
 * <pre>
 * mvn -B -o -q -pl minion -am package -DskipTests
 * java -cp "minion/target/test-classes:common/target/test-classes:minion/target/classes:minion/target/lib/*" \
 *     jfunc.minion.bench.MinionBench
 * </pre>
 */
public final class MinionBench {
    private static final String NAME = "bench.example.org";
    private static final Pattern SERVING = Pattern.compile("jfuncd: serving \\S+ on 127\\.0\\.0\\.1:(\\d+)");

    /** A jfuncd process started through bin/jfuncd for a benchmark, with its own state dir. */
    record Jfuncd(Process process, int port, long javaPid, TestPki pki, Identity overlord) implements AutoCloseable {
        /** Starts bin/jfuncd of the checkout at {@code root}; its ACL grants only the overlord. */
        static Jfuncd start(Path root) throws Exception {
            Path launcher = root.resolve("bin/jfuncd");
            if (!Files.isExecutable(launcher)) {
                System.err.println("run from the repository root (bin/jfuncd not found in " + root + ")");
                System.exit(2);
            }
            Path state = Files.createTempDirectory("jfunc-bench");
            TestPki pki = new TestPki();
            Identity minion = pki.minion(NAME);
            new MinionIdentity(state.resolve("minion").resolve(NAME)).write(minion, pki.caCertificate(), pki.crl());
            Path log = state.resolve("jfuncd.log");
            ProcessBuilder pb = new ProcessBuilder(launcher.toString(), "--state-dir", state.toString(), "--name", NAME,
                    "--listen", "127.0.0.1:0", "--ca", "127.0.0.1:1").redirectErrorStream(true).redirectOutput(log.toFile());
            Files.writeString(state.resolve("acl.conf"), "# only the overlord\n");
            pb.environment().put("JFUNC_ACL_FILE", state.resolve("acl.conf").toString());
            pb.environment().put("JFUNC_IDLE_GC_AFTER", "5s"); // so "idle after load" is reached within the run
            Process p = pb.start();
            int port = awaitPort(p, log);
            System.out.printf("jfuncd pid %d on 127.0.0.1:%d (%s); JVM flags: %s%n", p.pid(), port, root,
                    jvmFlags(launcher));
            return new Jfuncd(p, port, MinionBench.javaPid(p), pki, pki.overlord());
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            process.waitFor(20, TimeUnit.SECONDS);
            process.destroyForcibly();
        }
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath().normalize();
        try (Jfuncd jfuncd = Jfuncd.start(root)) {
            run(jfuncd);
        }
        System.exit(0); // the HTTP client's scheduler thread would keep the JVM alive
    }

    private static void run(Jfuncd jfuncd) throws Exception {
        int port = jfuncd.port();
        long javaPid = jfuncd.javaPid();
        TestPki pki = jfuncd.pki();
        Thread.sleep(5000);
        System.out.printf("idle RSS after start (5 s): %.1f MB, %s threads%n", rssMb(javaPid), threads(javaPid));
        nmt(javaPid, "idle after start");

        RpcClient.Endpoint ep = new RpcClient.Endpoint(NAME, "127.0.0.1", port);
        Identity overlord = jfuncd.overlord();
        RpcClient reused = new RpcClient(pki.context(overlord), Duration.ofSeconds(5), Duration.ofSeconds(30));
        // The first async call after start against the second (the status file opens at start,
        // off the request path); one ping first so that the TLS handshake is outside the timing.
        reused.call(ep, "test.ping");
        long a0 = System.nanoTime();
        Object firstJob = reused.call(ep, "async.test.ping");
        double firstMs = (System.nanoTime() - a0) / 1e6;
        long b0 = System.nanoTime();
        reused.call(ep, "async.test.ping");
        System.out.printf("first async call after start %.1f ms, second %.1f ms (each waits for a group commit,"
                + " jobs.commit_interval 50 ms)%n", firstMs, (System.nanoTime() - b0) / 1e6);
        reused.call(ep, "jobs.wait", firstJob, 30);
        Thread.sleep(7_000);
        System.out.printf("idle RSS after the first jobs call (7 s): %.1f MB (%s), %s threads%n", rssMb(javaPid),
                rssSplit(javaPid), threads(javaPid));
        nmt(javaPid, "idle after the first jobs call");
        for (int i = 0; i < 3000; i++) {
            reused.call(ep, "test.ping");
        }
        report("test.ping, reused connection", time(5000, () -> reused.call(ep, "test.ping")));

        // Fresh connections: a TLS socket per call, with a new SSLContext (a full handshake)
        // or a shared one (TLS 1.3 resumes the session), one request with Connection: close.
        // The same plain client for any jfuncd, so an old and a new server compare on the
        // server's cost alone. Contexts are built before timing (a PKCS12 key store is client
        // cost). The first calls show the cold client a one-shot process pays; then 2,000
        // warm-up handshakes, and the steady state of a long-running client (the service).
        int fresh = 300;
        int cold = 20;
        int warmUp = 2000;
        List<javax.net.ssl.SSLContext> contexts = new ArrayList<>();
        for (int i = 0; i < fresh + warmUp + cold; i++) {
            contexts.add(pki.context(overlord));
        }
        int[] next = {0};
        report("test.ping, new connection + full TLS handshake each, cold client (first " + cold + ")",
                time(cold, () -> freshPing(contexts.get(next[0]++), port)));
        for (int i = 0; i < warmUp; i++) {
            freshPing(contexts.get(next[0]++), port);
        }
        report("test.ping, new connection + full TLS handshake each", time(fresh, () ->
                freshPing(contexts.get(next[0]++), port)));
        javax.net.ssl.SSLContext shared = pki.context(overlord);
        report("test.ping, new connection + resumed TLS session each", time(fresh, () -> freshPing(shared, port)));

        Object[] batch = new Object[100];
        Arrays.fill(batch, Map.of("methodName", "test.ping", "params", new Object[0]));
        for (int i = 0; i < 50; i++) {
            reused.call(ep, "system.multicall", (Object) batch);
        }
        double[] multi = time(100, () -> reused.call(ep, "system.multicall", (Object) batch));
        double[] separate = time(100, () -> {
            for (int i = 0; i < 100; i++) {
                reused.call(ep, "test.ping");
            }
        });
        System.out.printf("100 pings: system.multicall p50 %.2f ms vs 100 separate calls p50 %.2f ms (%.1fx)%n",
                pct(multi, 50), pct(separate, 50), pct(separate, 50) / pct(multi, 50));

        int threads = 8;
        List<Thread> ts = new ArrayList<>();
        long[] counts = new long[threads];
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread th = new Thread(() -> {
                RpcClient c = new RpcClient(pki.context(overlord), Duration.ofSeconds(5), Duration.ofSeconds(30));
                try {
                    while (System.nanoTime() < end) {
                        c.call(ep, "test.ping");
                        counts[id]++;
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                } finally {
                    c.close();
                }
            });
            th.start();
            ts.add(th);
        }
        for (Thread th : ts) {
            th.join();
        }
        System.out.printf("test.ping, %d clients in parallel, reused connections: %.0f calls/s%n", threads,
                Arrays.stream(counts).sum() / 5.0);
        System.out.printf("RSS right after load: %.1f MB%n", rssMb(javaPid));
        Thread.sleep(15_000);
        System.out.printf("RSS idle 15 s after load (idle_gc_after = 5s): %.1f MB%n", rssMb(javaPid));
        Object id = reused.call(ep, "async.test.ping");
        reused.call(ep, "jobs.wait", id, 30);
        Thread.sleep(7_000);
        System.out.printf("RSS after load and a jobs call, idle 7 s: %.1f MB%n", rssMb(javaPid));
        reused.close();
    }

    private static final byte[] PING = ping();

    private static byte[] ping() {
        try {
            return XmlRpcMessages.request("test.ping");
        } catch (org.apache.xmlrpc.XmlRpcException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One test.ping on a new TLS connection, closed after the reply. */
    static void freshPing(javax.net.ssl.SSLContext tls, int port) throws java.io.IOException {
        freshPing(tls, port, 30_000);
    }

    /** The same, failing with an IOException when the minion does not answer within {@code timeoutMillis}. */
    static void freshPing(javax.net.ssl.SSLContext tls, int port, int timeoutMillis) throws java.io.IOException {
        java.net.Socket plain = new java.net.Socket();
        plain.connect(new java.net.InetSocketAddress("127.0.0.1", port), timeoutMillis);
        plain.setSoTimeout(timeoutMillis);
        plain.setTcpNoDelay(true);
        try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) tls.getSocketFactory().createSocket(plain,
                "127.0.0.1", port, true)) {
            byte[] body = PING;
            java.io.OutputStream out = s.getOutputStream();
            out.write(("POST /RPC2 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml\r\nContent-Length: "
                    + body.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!reply.startsWith("HTTP/1.1 200") || reply.contains("<fault>")) {
                throw new java.io.IOException("test.ping on a new connection failed: " + reply);
            }
        }
    }

    /** With -Dbench.nmt=true (and JFUNC_JAVA_OPTS=-XX:NativeMemoryTracking=summary): jfuncd's NMT summary. */
    static void nmt(long javaPid, String when) throws Exception {
        if (!Boolean.getBoolean("bench.nmt")) {
            return;
        }
        Process jcmd = new ProcessBuilder("jcmd", String.valueOf(javaPid), "VM.native_memory", "summary")
                .redirectErrorStream(true).start();
        System.out.println("NMT, " + when + ":");
        new String(jcmd.getInputStream().readAllBytes()).lines()
                .filter(l -> l.startsWith("-") || l.startsWith("Total")).forEach(System.out::println);
    }

    static String threads(long pid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("Threads:")) {
                return line.substring(8).strip();
            }
        }
        return "?";
    }

    interface Call {
        void run() throws Exception;
    }

    /** Runs {@code n} timed calls; returns sorted latencies in ms. */
    static double[] time(int n, Call call) throws Exception {
        double[] ms = new double[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            call.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        return ms;
    }

    static void report(String what, double[] ms) {
        double total = Arrays.stream(ms).sum();
        System.out.printf("%s: %d calls, %.0f calls/s, p50 %.3f ms, p99 %.3f ms%n", what, ms.length,
                ms.length / (total / 1000), pct(ms, 50), pct(ms, 99));
    }

    static double pct(double[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

    static int awaitPort(Process p, Path log) throws Exception {
        for (int i = 0; i < 600; i++) {
            if (Files.exists(log)) {
                Matcher m = SERVING.matcher(Files.readString(log, StandardCharsets.UTF_8));
                if (m.find()) {
                    return Integer.parseInt(m.group(1));
                }
            }
            if (!p.isAlive()) {
                break;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("jfuncd did not start:\n" + (Files.exists(log) ? Files.readString(log) : ""));
    }

    /** bin/jfuncd execs java, so the launcher's pid is the JVM's; follow a child if a shell stayed. */
    static long javaPid(Process p) {
        return p.toHandle().descendants().filter(h -> h.info().command().orElse("").endsWith("java"))
                .map(ProcessHandle::pid).findFirst().orElse(p.pid());
    }

    /** RSS by kind: private (heap, metaspace, malloc) against file-backed (the JVM's code, the CDS archive, jars). */
    static String rssSplit(long pid) throws Exception {
        StringBuilder out = new StringBuilder();
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("RssAnon:") || line.startsWith("RssFile:")) {
                out.append(out.length() > 0 ? ", " : "").append(line, 3, line.indexOf(':')).append(' ')
                        .append(String.format("%.1f MB", Long.parseLong(line.replaceAll("\\D", "")) / 1024.0));
            }
        }
        return out.toString();
    }

    /** CPU seconds (user + system) the process has used. */
    static double cpuSeconds(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0; // clock ticks: USER_HZ is 100 on Linux
    }

    static double rssMb(long pid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
            }
        }
        return -1;
    }

    static String jvmFlags(Path launcher) throws Exception {
        for (String line : Files.readAllLines(launcher)) {
            Matcher m = Pattern.compile("JFUNC_DEFAULT_JAVA_OPTS:-([^}]*)}").matcher(line);
            if (m.find()) {
                return m.group(1);
            }
        }
        return "(none)";
    }
}
