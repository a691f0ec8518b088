package jfunc.certs.bench;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import jfunc.certs.CaSettings;
import jfunc.certs.CaStore;
import jfunc.certs.EnrolmentAnswer;
import jfunc.certs.service.EnrolmentService;
import jfunc.common.StateDir;
import jfunc.common.rpc.RpcClient;
import jfunc.common.tls.CertIssuer;
import jfunc.common.tls.Pem;
import jfunc.common.tls.TlsContexts;

/**
 * The CA's costs, offline on loopback, bounded in count: init, enrolments over the real service
 * (submit with autosign, then fetch, on one kept-alive client), sign and revoke through the store,
 * list with every record present, and jfunc-ca as a fresh process (JVM start included).
 * Prints medians and p90 in milliseconds.
 * Run with {@code bench/ca-enrolment [N]}.
 * Options (system properties): {@code -Dbench.n=200} enrolments, {@code -Dbench.cli=5} CLI runs.
 */
public final class EnrolmentBench {
    public static void main(String[] args) throws Exception {
        int n = Integer.getInteger("bench.n", 200);
        int cliRuns = Integer.getInteger("bench.cli", 5);
        Path dir = Files.createTempDirectory("jfunc-ca-bench");
        CaStore store = new CaStore(new StateDir(dir), CaSettings.defaults().withAutosignLimits(n, n));
        long t0 = System.nanoTime();
        store.init("overlord");
        row("init (CA + overlord identity), first call in the JVM", List.of(ms(t0)));

        List<Double> submit = new ArrayList<>();
        List<Double> fetch = new ArrayList<>();
        try (EnrolmentService service = EnrolmentService.start(store, new InetSocketAddress("127.0.0.1", 0),
                EnrolmentService.autosign("auto*"))) {
            RpcClient client = new RpcClient(TlsContexts.enrolment(store.caCertificate()), Duration.ofSeconds(5),
                    Duration.ofSeconds(30));
            RpcClient.Endpoint ep = new RpcClient.Endpoint(CaStore.SERVICE_NAME, "127.0.0.1", service.address().getPort());
            for (int i = 0; i < n; i++) {
                String name = String.format("auto%04d.example.org", i);
                String csr = Pem.encode(CertIssuer.csr(CertIssuer.newKeyPair(), name));
                long s = System.nanoTime();
                EnrolmentAnswer a = EnrolmentAnswer.fromStruct(client.call(ep, "certs.submit_csr", name, csr,
                        "127.0.0.1:" + (20000 + i))); // one address per minion: the CA refuses a taken one
                submit.add(ms(s));
                long f = System.nanoTime();
                client.call(ep, "certs.fetch", name);
                fetch.add(ms(f));
                if (a.state() != EnrolmentAnswer.State.SIGNED) {
                    throw new IllegalStateException(name + ": " + a.state() + " " + a.reason());
                }
            }
        }
        row("certs.submit_csr + autosign, over TLS (kept alive)", submit);
        row("certs.fetch of a signed name, over TLS (kept alive)", fetch);

        List<Double> sign = new ArrayList<>();
        for (int i = 0; i < Math.min(n, 50); i++) {
            String name = String.format("manual%04d", i);
            store.submit(name, Pem.encode(CertIssuer.csr(CertIssuer.newKeyPair(), name)), "", null, x -> false);
            long s = System.nanoTime();
            store.sign(List.of(name));
            sign.add(ms(s));
        }
        row("sign one pending name (store)", sign);

        List<Double> list = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            long s = System.nanoTime();
            store.list();
            list.add(ms(s));
        }
        row("list with " + store.list().size() + " records (store)", list);

        List<Double> revoke = new ArrayList<>();
        for (int i = 0; i < Math.min(n, 50); i++) {
            long s = System.nanoTime();
            store.revoke(String.format("auto%04d.example.org", i));
            revoke.add(ms(s));
        }
        row("revoke + re-issue the CRL (up to " + revoke.size() + " entries)", revoke);

        List<Double> cli = new ArrayList<>();
        for (int i = 0; i < cliRuns; i++) {
            long s = System.nanoTime();
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                    "-cp", System.getProperty("java.class.path"), "jfunc.certs.cli.CaCli",
                    "--state-dir", dir.toString(), "list", "--json")
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            if (p.waitFor() != 0) {
                throw new IllegalStateException("jfunc-ca list failed");
            }
            cli.add(ms(s));
        }
        row("jfunc-ca list --json as a new process (JVM start included)", cli);
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static double ms(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e6;
    }

    private static void row(String what, List<Double> samples) {
        List<Double> s = new ArrayList<>(samples);
        Collections.sort(s);
        double median = s.get(s.size() / 2);
        double p90 = s.get(Math.min(s.size() - 1, (int) Math.ceil(s.size() * 0.9) - 1));
        System.out.printf("%-62s n=%-4d median %8.2f ms   p90 %8.2f ms%n", what, s.size(), median, p90);
    }
}
