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
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import jfunc.common.StateDir;
import jfunc.overlord.MinionAddress;
import jfunc.overlord.cli.JfuncCli;
import jfunc.overlord.jobs.RealMinions;

/**
 * Fleet operations (issue 20), each bounded in count and time, with real minion servers and
 * modules (jfuncd's) in this JVM on 127.0.0.1, each with its own roots:
 * <ul>
 * <li>push a 200 MB file to 10 minions with {@code bin/jfunc} (a new process, as a user runs it),
 *     and {@code scp} to the same 10 loopback addresses when an sshd answers on 127.0.0.1:22;</li>
 * <li>pull a 50 MB file from 10 minions with {@code bin/jfunc};</li>
 * <li>cancel latency: {@code bin/jfunc job cancel ID} of a job running {@code sleep} on 100 minions,
 *     from the start of the command to the last process tree gone;</li>
 * <li>50 identical {@code facts.all} calls from 50 clients at once: how many the minions ran.</li>
 * </ul>
 * Run with {@code bench/fleet-ops [RUNS]}.
 */
public final class FleetOpsBench {
    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        Path repo = Path.of(args[0]).toAbsolutePath().normalize();
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path tmp = Files.createTempDirectory("jfunc-fleet-ops-bench");
        try (RealMinions fleet = new RealMinions(tmp.resolve("fleet"))) {
            Path served = Files.createDirectories(tmp.resolve("served"));
            List<MinionAddress> all = new ArrayList<>();
            for (int i = 1; i <= 100; i++) {
                String name = String.format("m%03d", i);
                Path files = Files.createDirectories(tmp.resolve("files").resolve(name));
                all.add(fleet.start(name, Map.of("getfile_roots", served.toString(), "copyfile_roots", files.toString(),
                        "worker_threads", "4"), i > 90)); // the last ten count their calls (through a relay)
            }
            StateDir state = fleet.overlordState(tmp.resolve("state"), all);
            String ten = "m00[0-9];m010";
            System.out.println("machine: " + Runtime.getRuntime().availableProcessors() + " cores, shared with other work");

            Path big = tmp.resolve("push.bin");
            write(big, 200L * 1024 * 1024);
            List<Double> push = new ArrayList<>();
            for (int r = 0; r < runs; r++) {
                push.add(timed(repo, state, ten, "push", big.toString(), "push.bin"));
            }
            System.out.printf("push 200 MB to 10 minions (bin/jfunc, chunks of 4 MiB): median %.2f s over %d runs %s"
                    + " (%.0f MB/s to the fleet)%n", median(push), runs, push, 2000 / median(push));
            System.out.println(scp(big, runs));
            Files.delete(big);

            write(served.resolve("pull.bin"), 50L * 1024 * 1024);
            List<Double> pull = new ArrayList<>();
            for (int r = 0; r < runs; r++) {
                Path out = Files.createDirectories(tmp.resolve("pulled-" + r));
                pull.add(timed(repo, state, ten, "pull", served.resolve("pull.bin").toString(), out.toString()));
                deleteTree(out);
            }
            System.out.printf("pull 50 MB from 10 minions (bin/jfunc, chunks of 1 MiB): median %.2f s over %d runs %s%n",
                    median(pull), runs, pull);

            List<Double> cancel = new ArrayList<>();
            for (int r = 0; r < runs; r++) {
                cancel.add(cancelLatency(repo, state, r));
            }
            System.out.printf("cancel a job running on 100 minions (bin/jfunc job cancel to every process tree gone):"
                    + " median %.2f s over %d runs %s%n", median(cancel), runs, cancel);

            System.out.println(identicalFacts(fleet, state));
        } finally {
            deleteTree(tmp);
        }
        System.exit(0); // the in-process CLI clients leave non-daemon threads behind: do not wait for them
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

    static String scp(Path file, int runs) throws Exception {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress("127.0.0.1", 22), 1000);
        } catch (IOException e) {
            return "scp: no sshd answers on 127.0.0.1:22 on this machine (none installed), so scp was not measured";
        }
        List<Double> times = new ArrayList<>();
        for (int r = 0; r < runs; r++) {
            long t0 = System.nanoTime();
            List<Process> ps = new ArrayList<>();
            for (int i = 1; i <= 10; i++) {
                ps.add(new ProcessBuilder("scp", "-q", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", file.toString(),
                        "127.0.0." + (i + 1) + ":/tmp/jfunc-scp-bench-" + i).redirectErrorStream(true).start());
            }
            for (Process p : ps) {
                p.getInputStream().readAllBytes();
                if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    return "scp: failed (no key-based login to 127.0.0.x?), not measured";
                }
            }
            times.add((System.nanoTime() - t0) / 1e9);
        }
        return String.format("scp 200 MB to the same 10 loopback addresses, 10 at once: median %.2f s over %d runs %s",
                median(times), runs, times);
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

    /**
     * 50 clients call facts.all on the same 10 minions at once (embedded, in this JVM, so that
     * they really overlap): how many calls the minions received, of 500.
     */
    static String identicalFacts(RealMinions fleet, StateDir state) throws Exception {
        int before = 0;
        for (int i = 1; i <= 10; i++) {
            before += fleet.callsOf(String.format("m%03d", 90 + i), "facts.all");
        }
        ExecutorService pool = Executors.newFixedThreadPool(50);
        CountDownLatch go = new CountDownLatch(1);
        List<java.util.concurrent.Future<String>> calls = new ArrayList<>();
        for (int c = 0; c < 50; c++) {
            calls.add(pool.submit(() -> {
                go.await();
                return inProcess(state, "m09[1-9];m100", "call", "facts", "all", "--json");
            }));
        }
        long t0 = System.nanoTime();
        go.countDown();
        for (var f : calls) {
            f.get(120, TimeUnit.SECONDS);
        }
        double s = (System.nanoTime() - t0) / 1e9;
        pool.shutdown();
        int after = 0;
        for (int i = 1; i <= 10; i++) {
            after += fleet.callsOf(String.format("m%03d", 90 + i), "facts.all");
        }
        return String.format("50 identical facts.all from 50 embedded clients at once on 10 minions: %d of 500 calls"
                + " reached the minions' relays (embedded clients are not merged: the service merges across clients, the"
                + " minion merges behind its relay), %.2f s for all", after - before, s);
    }

    static String inProcess(StateDir state, String... args) {
        StringWriter out = new StringWriter();
        List<String> all = new ArrayList<>(List.of("--state-dir", state.root().toString(), "--no-service"));
        all.addAll(List.of(args));
        int code = JfuncCli.run(new PrintWriter(out), new PrintWriter(new StringWriter()), all.toArray(String[]::new));
        if (code != 0) {
            throw new IllegalStateException(String.join(" ", all) + " exited " + code + ": " + out);
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
