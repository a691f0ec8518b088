package jfunc.minion.jobs;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import jfunc.common.Config;
import jfunc.common.Config.ConfigException;
import jfunc.common.Faults;
import org.apache.xmlrpc.XmlRpcException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jobs whose status file opens (recovers, purges) at start, on a thread of its own, so that no
 * call pays for it: when the first jobs call arrives the file is normally ready. A jobs call that
 * arrives while it is still opening waits, at most {@link #READY_WAIT}, then gets fault 109
 * (UNAVAILABLE) and may retry. The log says when the file is ready. Why not on the first call:
 * 100 freshly started minions each opened MapDB on the first async call, and that call timed out.
 */
public final class JobsAtStart implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JobsAtStart.class);
    static final Duration READY_WAIT = Duration.ofSeconds(20);

    /** Opens the jobs' status file. */
    @FunctionalInterface
    interface Opener {
        Jobs open() throws StatusFile.StatusFileException;
    }

    /** Reads and checks the pool settings of a config. */
    @FunctionalInterface
    interface PoolReader {
        PoolConfig read(Config config) throws ConfigException;
    }

    private final Path file;
    private final Duration readyWait;
    private final PoolReader pools;
    private final CompletableFuture<Jobs> opened = new CompletableFuture<>();
    private final Thread opener;

    JobsAtStart(Path file, Opener open, Duration readyWait, PoolReader pools) {
        this.file = file;
        this.readyWait = readyWait;
        this.pools = pools;
        this.opener = new Thread(() -> open(open), "status-open");
        opener.setDaemon(true);
        opener.start();
    }

    private void open(Opener open) {
        long start = System.nanoTime();
        try {
            Jobs jobs = open.open();
            log.info("status file {} ready in {} ms: accepting jobs", file, (System.nanoTime() - start) / 1_000_000);
            opened.complete(jobs);
        } catch (StatusFile.StatusFileException | RuntimeException e) {
            log.error("jobs are unavailable: {}", e.getMessage());
            opened.completeExceptionally(e);
        } catch (Error e) {
            opened.completeExceptionally(e);
            throw e; // StatusFile logged it; the thread's death reports it too
        }
    }

    /** The open jobs, waiting for the status file if it is still opening; a fault when it is not usable. */
    Jobs get() throws XmlRpcException {
        Jobs open = ready();
        if (open != null) {
            return open;
        }
        try {
            return opened.get(readyWait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new XmlRpcException(Faults.UNAVAILABLE, "the status file " + file + " is still opening after "
                    + JobRunner.human(readyWait) + "; retry");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new XmlRpcException(Faults.UNAVAILABLE, "interrupted while the status file opened");
        } catch (ExecutionException e) {
            throw new XmlRpcException(Faults.UNAVAILABLE, "jobs are unavailable: " + e.getCause().getMessage());
        }
    }

    /** Waits until the status file is open (or failed to open); true when it is usable. */
    public boolean awaitReady(Duration timeout) throws InterruptedException {
        try {
            opened.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (ExecutionException | TimeoutException e) {
            return false;
        }
    }

    /** The jobs once the status file is open, else null (still opening, or it failed). */
    private Jobs ready() {
        return opened.isDone() && !opened.isCompletedExceptionally() ? opened.join() : null;
    }

    /**
     * Applies the pool settings of {@code config} (SIGHUP): checked first, so that a bad one throws
     * and changes nothing; applied at once, or as soon as the status file is open.
     */
    public void reload(Config config) throws ConfigException {
        PoolConfig next = pools.read(config);
        opened.thenAccept(jobs -> jobs.reconfigure(next));
    }

    /** The open jobs, or null while the status file opens (or when it failed): for metrics. */
    public Jobs now() {
        return ready();
    }

    /** jobs.wait calls blocked right now. */
    int waiting() {
        Jobs open = ready();
        return open == null ? 0 : open.waiting();
    }

    @Override
    public void close() {
        try {
            opener.join(); // an open in progress finishes first, so the file is closed cleanly
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Jobs open = ready();
        if (open != null) {
            open.close();
        }
    }
}
