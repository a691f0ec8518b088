package jfunc.overlord.bench;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Async-jobs benchmark (overlord side). Offline, loopback only, bounded in time.
 * <pre>
 * mvn -B -o -q -pl overlord -am test-compile exec:java -Dexec.mainClass=jfunc.overlord.bench.JobsBench
 * </pre>
 * Options (system properties): {@code -Dbench.listJobs=100000}.
 */
public final class JobsBench {
    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("jfunc-jobs-bench");
        int listJobs = Integer.getInteger("bench.listJobs", 100_000);
        System.out.println("== job store (medians) ==");
        StoreBench.run(dir, listJobs);
    }
}
