package jfunc.overlord.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import jfunc.common.StateDir;
import jfunc.overlord.MinionAddress;
import jfunc.overlord.cli.JfuncCli;
import jfunc.overlord.jobs.RealMinions;

/**
 * Fleet operations (issue 20), each bounded in count and time, with real minion servers and
 * modules (jfuncd's) in this JVM on 127.0.0.1, each with its own roots:
 * <ul>
 * <li>push a 200 MB file to 10 minions with {@code bin/jfunc} (a new process, as a user runs it),
 *     alternating in the same run with 10 {@code scp} at once to an sshd of the benchmark's own
 *     on 10 ports of 127.0.0.1 ({@link LoopbackSshd}; skipped, and said so, without OpenSSH);</li>
 * <li>pull a 50 MB file from 10 minions with {@code bin/jfunc};</li>
 * <li>cancel latency: {@code bin/jfunc job cancel ID} of a job running {@code sleep} on 100 minions,
 *     from the start of the command to the last process tree gone;</li>
 * <li>50 identical {@code facts.all} calls from 50 clients at once: how many the minions ran,
 *     embedded and through a real {@code bin/jfunc-overlord}, which merges identical calls in flight.</li>
 * </ul>
 * Run with {@code bench/fleet-ops [RUNS] [PARTS]}; PARTS a comma list of push, pull, cancel, merge
 * (default all); {@code FLEET_OPS_PUSH_MB} and {@code FLEET_OPS_PUSH_TO} change the push's size
 * and minion count (200, 10), for a quick try.
 */
public final class FleetOpsBench {
    /** How many identical facts.all callers at once (FLEET_OPS_CLIENTS, default 50). */
    static int clients = 50;

    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        Path repo = Path.of(args[0]).toAbsolutePath().normalize();
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Set<String> parts = Set.of((args.length > 2 ? args[2] : "push,pull,cancel,merge").split(","));
        long pushMb = Long.parseLong(System.getenv().getOrDefault("FLEET_OPS_PUSH_MB", "200"));
        int pushTo = Integer.parseInt(System.getenv().getOrDefault("FLEET_OPS_PUSH_TO", "10"));
        clients = Integer.parseInt(System.getenv().getOrDefault("FLEET_OPS_CLIENTS", "50"));
        int size = parts.contains("cancel") ? 100 : Math.max(pushTo, 10) + 10; // the last ten count their calls
        Path tmp = Files.createTempDirectory("jfunc-fleet-ops-bench");
        try (RealMinions fleet = new RealMinions(tmp.resolve("fleet"))) {
            Path served = Files.createDirectories(tmp.resolve("served"));
            List<MinionAddress> all = new ArrayList<>();
            for (int i = 1; i <= size; i++) {
                String name = name(i);
                Path files = Files.createDirectories(tmp.resolve("files").resolve(name));
                all.add(fleet.start(name, Map.of("getfile_roots", served.toString(), "copyfile_roots", files.toString(),
                        "worker_threads", "4"), i > size - 10)); // through a relay that counts the calls
            }
            StateDir state = fleet.overlordState(tmp.resolve("state"), all);
            String ten = names(1, 10);
            String counted = names(size - 9, size);
            System.out.println("machine: " + Runtime.getRuntime().availableProcessors() + " cores, shared with other work; "
                    + size + " minion servers in one JVM on 127.0.0.1");

            if (parts.contains("push")) {
                pushAgainstScp(repo, state, tmp, pushMb, pushTo, runs);
            }
            if (parts.contains("pull")) {
                write(served.resolve("pull.bin"), 50L * 1024 * 1024);
                List<Double> pull = new ArrayList<>();
                for (int r = 0; r < runs; r++) {
                    Path out = Files.createDirectories(tmp.resolve("pulled-" + r));
                    pull.add(timed(repo, state, ten, "pull", served.resolve("pull.bin").toString(), out.toString()));
                    deleteTree(out);
                }
                System.out.printf("pull 50 MB from 10 minions (bin/jfunc, chunks of 1 MiB): median %.2f s over %d runs %s%n",
                        median(pull), runs, pull);
            }
            if (parts.contains("cancel")) {
                List<Double> cancel = new ArrayList<>();
                for (int r = 0; r < runs; r++) {
                    cancel.add(cancelLatency(repo, state, r));
                }
                System.out.printf("cancel a job running on 100 minions (bin/jfunc job cancel to every process tree gone):"
                        + " median %.2f s over %d runs %s%n", median(cancel), runs, cancel);
            }
            if (parts.contains("merge")) {
                System.out.println(identicalFacts(fleet, state, counted, size));
                throughService(repo, fleet, state, tmp, counted, size);
            }
        } finally {
            deleteTree(tmp);
        }
        System.exit(0); // the in-process CLI clients leave non-daemon threads behind: do not wait for them
    }

    static String name(int i) {
        return String.format("m%03d", i);
    }

    /** The target {@code mFROM;...;mTO}. */
    static String names(int from, int to) {
        return IntStream.rangeClosed(from, to).mapToObj(FleetOpsBench::name).collect(Collectors.joining(";"));
    }

    /**
     * {@code bin/jfunc push} of one file to {@code to} minions, and {@code to} scp at once of the same
     * file to an sshd of our own on as many ports of 127.0.0.1, alternating A B A B in the same run;
     * each copy's size is checked and removed before the next round.
     */
    static void pushAgainstScp(Path repo, StateDir state, Path tmp, long mb, int to, int runs) throws Exception {
        Path big = tmp.resolve("push.bin");
        write(big, mb * 1024 * 1024);
        List<Path> pushed = IntStream.rangeClosed(1, to).mapToObj(i -> tmp.resolve("files").resolve(name(i)).resolve("push.bin"))
                .toList();
        List<Path> copied = new ArrayList<>();
        for (int i = 1; i <= to; i++) {
            copied.add(Files.createDirectories(tmp.resolve("scp").resolve(name(i))).resolve("push.bin"));
        }
        Optional<String> absent = LoopbackSshd.absent();
        LoopbackSshd sshd = null;
        String skipped = absent.map(why -> "scp: not measured: " + why).orElse(null);
        if (skipped == null) {
            try {
                sshd = LoopbackSshd.start(tmp.resolve("ssh"), to);
            } catch (Exception e) {
                skipped = "scp: not measured: " + e.getMessage();
            }
        }
        try {
            List<Double> push = new ArrayList<>();
            List<Double> scp = new ArrayList<>();
            List<Double> pushCpu = new ArrayList<>();
            List<Double> scpCpu = new ArrayList<>();
            for (int r = 0; r < runs; r++) {
                double cpu = machineCpuSeconds();
                push.add(timed(repo, state, names(1, to), "push", big.toString(), "push.bin"));
                pushCpu.add(machineCpuSeconds() - cpu);
                check(big, pushed);
                if (sshd != null) {
                    cpu = machineCpuSeconds();
                    scp.add(scpOnce(sshd, big, copied));
                    scpCpu.add(machineCpuSeconds() - cpu);
                    check(big, copied);
                }
            }
            System.out.printf("push %d MB to %d minions (bin/jfunc, chunks of 4 MiB): median %.2f s over %d runs %s"
                    + " (%.0f MB/s to the fleet); machine CPU %.1f s a run (both sides)%n", mb, to, median(push), runs, push,
                    mb * to / median(push), median(pushCpu));
            if (sshd == null) {
                System.out.println(skipped);
            } else {
                System.out.printf("scp %d MB to the same %d loopback addresses, %d at once (%s, its default cipher, an sshd of"
                                + " the benchmark's own): median %.2f s over %d runs %s (%.0f MB/s); machine CPU %.1f s a run;"
                                + " runs alternated with the pushes; bin/jfunc push / scp: %.2fx%n", mb, to, to,
                        LoopbackSshd.version(), median(scp), runs, scp, mb * to / median(scp), median(scpCpu),
                        median(push) / median(scp));
            }
        } finally {
            if (sshd != null) {
                sshd.close();
            }
            Files.delete(big);
        }
    }

    /** Seconds of {@code copies.size()} scp at once of {@code file}, one per sshd port; the copies removed first. */
    static double scpOnce(LoopbackSshd sshd, Path file, List<Path> copies) throws Exception {
        for (Path c : copies) {
            Files.deleteIfExists(c);
        }
        long t0 = System.nanoTime();
        List<Process> ps = new ArrayList<>();
        for (int i = 0; i < copies.size(); i++) {
            ps.add(sshd.scp(file, sshd.ports.get(i), copies.get(i)));
        }
        String failed = null;
        for (Process p : ps) {
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                failed = failed != null ? failed : "scp failed: " + out;
            }
        }
        if (failed != null) {
            throw new IllegalStateException(failed + "\nsshd: " + sshd.log());
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    /**
     * CPU seconds the whole machine has spent so far (/proc/stat: user, nice, system, irq, softirq,
     * at 100 ticks a second): in a benchmark window nearly all of it is the benchmark's.
     */
    static double machineCpuSeconds() throws IOException {
        String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long ticks = 0;
        for (int i : new int[] {1, 2, 3, 6, 7}) {
            ticks += Long.parseLong(f[i]);
        }
        return ticks / 100.0;
    }

    /** Every copy has the file's size; then they are removed, so that the next round writes them again. */
    static void check(Path file, List<Path> copies) throws IOException {
        for (Path c : copies) {
            if (Files.size(c) != Files.size(file)) {
                throw new IllegalStateException(c + ": " + Files.size(c) + " bytes, not " + Files.size(file));
            }
            Files.delete(c);
        }
    }

    /** Seconds of one {@code bin/jfunc --state-dir S TARGET COMMAND ARGS...}; it must exit 0. */
    static double timed(Path repo, StateDir state, String target, String... command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(repo.resolve("bin/jfunc").toString(), "--state-dir",
                state.root().toString(), "--no-service", target));
        cmd.addAll(List.of(command));
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed:\n" + out);
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Seconds from {@code bin/jfunc job cancel} starting to the last {@code sleep} of the job gone. */
    static double cancelLatency(Path repo, StateDir state, int round) throws Exception {
        String marker = "sleep 3" + (100 + round) + ".5";
        String id = inProcess(state, "*", "call", "command", "run", marker, "--async", "--forks", "100").strip();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (running(marker) < 100 && System.nanoTime() < end) {
            Thread.sleep(50);
        }
        if (running(marker) < 100) {
            throw new IllegalStateException("only " + running(marker) + " of 100 processes started");
        }
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(repo.resolve("bin/jfunc").toString(), "--state-dir", state.root().toString(),
                "--no-service", "job", "cancel", id).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("job cancel failed:\n" + out);
        }
        while (running(marker) > 0 && System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(60)) {
            Thread.sleep(5);
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    /** What the counted minions saw of facts.all: calls that reached them (their relays), and calls they merged. */
    record Seen(long reached, long merged) {
        static Seen of(RealMinions fleet, int size) {
            long reached = 0;
            long merged = 0;
            for (int i = size - 9; i <= size; i++) {
                reached += fleet.callsOf(name(i), "facts.all");
                merged += fleet.mergedOf(name(i));
            }
            return new Seen(reached, merged);
        }

        String since(Seen before) {
            long in = reached - before.reached;
            long m = merged - before.merged;
            return String.format("%d of %d calls reached the minions, which merged %d more: %d ran", in, clients * 10, m, in - m);
        }
    }

    /** Seconds for {@code n} tasks started at the same moment, each must return. */
    static double atOnce(int n, java.util.concurrent.Callable<?> task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<java.util.concurrent.Future<?>> calls = new ArrayList<>();
            for (int c = 0; c < n; c++) {
                calls.add(pool.submit(() -> {
                    go.await();
                    return task.call();
                }));
            }
            long t0 = System.nanoTime();
            go.countDown();
            for (var f : calls) {
                f.get(300, TimeUnit.SECONDS);
            }
            return (System.nanoTime() - t0) / 1e9;
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * 50 clients call facts.all on the same 10 minions at once, embedded (in this JVM, so that they
     * really overlap): the service is not there to merge them; the minions merge behind their relays.
     */
    static String identicalFacts(RealMinions fleet, StateDir state, String target, int size) throws Exception {
        Seen before = Seen.of(fleet, size);
        double s = atOnce(clients, () -> inProcess(state, target, "call", "facts", "all", "--json"));
        return String.format("%d identical facts.all from %d embedded clients (--no-service) at once on 10 minions: %s;"
                + " %.2f s for all", clients, clients, Seen.of(fleet, size).since(before), s);
    }

    /**
     * 50 identical facts.all at once through a real {@code bin/jfunc-overlord} on the fleet's state dir:
     * 50 CLI clients in this JVM (they start together), then 50 {@code bin/jfunc} processes started at
     * once; what the service merged (its {@code jfunc_merged_calls_total}), what reached the minions,
     * what they merged and so what ran. The service is stopped at the end, bounded.
     */
    static void throughService(Path repo, RealMinions fleet, StateDir state, Path tmp, String target, int size)
            throws Exception {
        int metricsPort = LoopbackSshd.freePort();
        Path log = tmp.resolve("service.log");
        ProcessBuilder sb = new ProcessBuilder(repo.resolve("bin/jfunc-overlord").toString(), "--state-dir",
                state.root().toString()).redirectErrorStream(true).redirectOutput(log.toFile());
        sb.environment().put("JFUNC_METRICS_LISTEN", "127.0.0.1:" + metricsPort);
        Process service = sb.start();
        try {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.readString(log).contains("serving ")) {
                if (System.nanoTime() > until || !service.isAlive()) {
                    throw new IllegalStateException("the service did not start: " + Files.readString(log));
                }
                Thread.sleep(100);
            }
            cli(state, true, target, "call", "facts", "all", "--json"); // the service learns which methods are read-only

            double mergedBefore = merged(metricsPort);
            Seen before = Seen.of(fleet, size);
            double s = atOnce(clients, () -> cli(state, true, target, "call", "facts", "all", "--json"));
            System.out.printf("%d identical facts.all from %d CLI clients (in one JVM, at once) through bin/jfunc-overlord on"
                    + " 10 minions: the service merged %.0f of %d calls (jfunc_merged_calls_total); %s; %.2f s for all%n",
                    clients, clients, merged(metricsPort) - mergedBefore, clients, Seen.of(fleet, size).since(before), s);

            mergedBefore = merged(metricsPort);
            before = Seen.of(fleet, size);
            s = atOnce(clients, () -> {
                Process p = new ProcessBuilder(repo.resolve("bin/jfunc").toString(), "--state-dir", state.root().toString(),
                        target, "call", "facts", "all", "--json").redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes());
                if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    p.destroyForcibly();
                    throw new IllegalStateException("bin/jfunc facts.all failed: " + out);
                }
                return out;
            });
            System.out.printf("%d identical facts.all from %d bin/jfunc processes started at once through bin/jfunc-overlord on"
                    + " 10 minions: the service merged %.0f of %d calls; %s; %.2f s for all%n", clients, clients,
                    merged(metricsPort) - mergedBefore, clients, Seen.of(fleet, size).since(before), s);
        } finally {
            service.destroy();
            if (!service.waitFor(15, TimeUnit.SECONDS)) {
                service.destroyForcibly();
            }
        }
    }

    /** The service's jfunc_merged_calls_total. */
    static double merged(int metricsPort) throws Exception {
        var http = java.net.http.HttpClient.newHttpClient();
        String text = http.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        return text.lines().filter(l -> l.startsWith("jfunc_merged_calls_total ")).findFirst()
                .map(l -> Double.parseDouble(l.substring(l.indexOf(' ') + 1).trim()))
                .orElseThrow(() -> new IllegalStateException("no jfunc_merged_calls_total in the metrics"));
    }

    static String inProcess(StateDir state, String... args) {
        return cli(state, false, args);
    }

    /** The CLI in this JVM, through the service or not; it must exit 0. */
    static String cli(StateDir state, boolean service, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of("--state-dir", state.root().toString()));
        if (!service) {
            all.add("--no-service");
        }
        all.addAll(List.of(args));
        int code = JfuncCli.run(new PrintWriter(out), new PrintWriter(err), all.toArray(String[]::new));
        if (code != 0) {
            throw new IllegalStateException(String.join(" ", all) + " exited " + code + ": " + out + err);
        }
        return out.toString();
    }

    static long running(String marker) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().command().map(c -> c.endsWith("/sleep")).orElse(false)
                        && p.info().commandLine().map(c -> c.contains(marker)).orElse(false)).count();
    }

    static void write(Path file, long bytes) throws IOException {
        byte[] block = new byte[1 << 20];
        new Random(bytes).nextBytes(block);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            for (long done = 0; done < bytes; done += block.length) {
                f.write(block, 0, (int) Math.min(block.length, bytes - done));
            }
        }
    }

    static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        return s.get(s.size() / 2);
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var walk = Files.walk(root)) {
            for (Path p : walk.sorted(Collections.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
