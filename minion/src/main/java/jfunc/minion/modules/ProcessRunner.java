package jfunc.minion.modules;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import jfunc.minion.JobControl;
import jfunc.minion.ProcessTrees;

/**
 * Runs a child process with a deadline and captures its output. Both streams are read at once
 * on their own threads, so a process that fills one pipe never blocks; each is kept up to a cap
 * and the rest is read and dropped. On timeout or interruption the whole tree is killed
 * ({@link ProcessTrees}).
 */
final class ProcessRunner {
    /** What a finished process left behind. Output is text (UTF-8, invalid bytes replaced). */
    record Result(int exitCode, String stdout, String stderr) {}

    /** The deadline passed; the process tree is already killed. */
    static final class TimedOut extends Exception {
        TimedOut(String message) {
            super(message);
        }
    }

    private ProcessRunner() {}

    static String truncationMarker(long cap) {
        return "\n[jfunc: output truncated at " + cap + " bytes]";
    }

    /**
     * Runs {@code argv} with stdin from /dev/null. {@code env} entries are added to (and override)
     * the minion's environment. Throws IOException when the program cannot be started.
     */
    static Result run(List<String> argv, Path cwd, Map<String, String> env, Duration timeout, long cap)
            throws IOException, TimedOut, InterruptedException {
        return run(argv, cwd, env, timeout, cap, JobControl.NONE);
    }

    /** As above, for a call that may run as a job: {@code job} tracks the process, so stopping the job kills its tree. */
    static Result run(List<String> argv, Path cwd, Map<String, String> env, Duration timeout, long cap, JobControl job)
            throws IOException, TimedOut, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(argv);
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        if (cwd != null) {
            pb.directory(cwd.toFile());
        }
        if (env != null) {
            pb.environment().putAll(env);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        Process p = pb.start();
        job.track(p); // stopping the job (timeout, cancel) kills this tree too
        Capture out = new Capture(p.getInputStream(), cap, "stdout of " + p.pid());
        Capture err = new Capture(p.getErrorStream(), cap, "stderr of " + p.pid());
        try {
            if (!p.waitFor(remaining(deadline), TimeUnit.NANOSECONDS)) {
                int killed = ProcessTrees.kill(p.toHandle());
                throw new TimedOut("timed out after " + seconds(timeout) + "; killed process " + p.pid()
                        + (killed > 0 ? " and " + killed + " descendant" + (killed == 1 ? "" : "s") : ""));
            }
            // A background child may still hold the pipes open: read until the deadline at most.
            boolean complete = out.join(remaining(deadline)) & err.join(remaining(deadline));
            String stderr = err.text();
            if (!complete) {
                stderr += "\n[jfunc: stopped reading output still held open by a background process]";
            }
            return new Result(p.exitValue(), out.text(), stderr);
        } catch (InterruptedException e) {
            ProcessTrees.kill(p.toHandle());
            throw e;
        } finally {
            out.close();
            err.close();
        }
    }

    private static long remaining(long deadline) {
        return Math.max(0, deadline - System.nanoTime());
    }

    private static String seconds(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? (ms / 1000) + " s" : (ms / 1000.0) + " s";
    }

    /** Reads one stream to the end on its own thread, keeping at most {@code cap} bytes. */
    private static final class Capture {
        private final InputStream in;
        private final long cap;
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private final Thread thread;
        private volatile boolean truncated;

        Capture(InputStream in, long cap, String name) {
            this.in = in;
            this.cap = cap;
            this.thread = new Thread(this::drain, name);
            thread.setDaemon(true);
            thread.start();
        }

        private void drain() {
            byte[] buf = new byte[8192];
            try {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    synchronized (kept) {
                        int room = (int) Math.max(0, Math.min(n, cap - kept.size()));
                        kept.write(buf, 0, room);
                        if (room < n) {
                            truncated = true;
                        }
                    }
                }
            } catch (IOException e) {
                // closed under us after a kill or when we gave up waiting
            }
        }

        boolean join(long nanos) throws InterruptedException {
            TimeUnit.NANOSECONDS.timedJoin(thread, Math.max(1, nanos));
            return !thread.isAlive();
        }

        String text() {
            String s;
            synchronized (kept) {
                s = kept.toString(StandardCharsets.UTF_8);
            }
            return truncated ? s + truncationMarker(cap) : s;
        }

        void close() {
            try {
                in.close();
            } catch (IOException e) {
                // nothing to do
            }
        }
    }
}
