package jfunc.overlord.bench;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Async-jobs benchmark (overlord side): the async flow against 1,000 in-JVM minions, then the
 * job store alone. Offline, loopback only, a few minutes. Run from the repository root with
 * {@code bench/overlord-jobs} (options: {@code -Dbench.minions=1000 -Dbench.listJobs=100000}).
 */
public final class JobsBench {
    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("jfunc-jobs-bench");
        int listJobs = Integer.getInteger("bench.listJobs", 100_000);
        int minions = Integer.getInteger("bench.minions", 1000);
        System.out.println("== async flow, " + minions + " minions (medians) ==");
        FlowBench.run(dir, minions, Path.of("").toAbsolutePath());
        System.out.println("== job store (medians) ==");
        StoreBench.run(dir, listJobs);
    }
}
