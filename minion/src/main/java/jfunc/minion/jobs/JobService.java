package jfunc.minion.jobs;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import jfunc.common.Config;
import jfunc.common.Config.ConfigException;
import jfunc.common.Faults;
import jfunc.common.job.JobCall;
import jfunc.common.job.JobProtocol;
import jfunc.minion.CallContext;
import jfunc.minion.MinionSettings;
import jfunc.minion.ModuleRegistry;
import jfunc.minion.Telemetry;
import org.apache.xmlrpc.XmlRpcException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The minion's job service, the typed endpoint of {@code async.*} and {@code jobs.*}: the
 * dispatcher parses a call once ({@link JobCall#parse}) and hands it to {@link #call}; the target
 * of a submission is checked against the modules at once, before anything waits.
 *
 * <p>The status file opens (recovers, purges) at start, on a thread of its own, so that no call
 * pays for it: when the first jobs call arrives the file is normally ready. A jobs call that
 * arrives while it is still opening waits, at most {@link #READY_WAIT}, then gets fault 109
 * (UNAVAILABLE) and may retry. The log says when the file is ready. Why not on the first call:
 * 100 freshly started minions each opened MapDB on the first async call, and that call timed out.
 */
public final class JobService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JobService.class);
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

    /** A multicall's calls, run inside {@link #batch}. */
    @FunctionalInterface
    public interface Batch {
        Object run() throws XmlRpcException;
    }

    private final Path file;
    private final Duration readyWait;
    private final PoolReader pools;
    private final CallRunner calls;
    private final CompletableFuture<Jobs> opened = new CompletableFuture<>();
    private final Thread opener;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    JobService(Path file, Opener open, Duration readyWait, PoolReader pools, CallRunner calls) {
        this.file = file;
        this.readyWait = readyWait;
        this.pools = pools;
        this.calls = calls;
        this.opener = new Thread(() -> open(open), "status-open");
        opener.setDaemon(true);
        opener.start();
    }

    /**
     * Jobs over the modules of {@code registry}, with the settings' config (checked now), and the
     * status file ({@code STATE/minion/NAME/status.db}) opening in the background. Call after the
     * modules are loaded and the registry's telemetry is set, before serving.
     */
    public static JobService open(ModuleRegistry registry, MinionSettings settings) throws ConfigException {
        return open(registry, settings, StatusFile::make, READY_WAIT);
    }

    /** As {@link #open(ModuleRegistry, MinionSettings)}; tests slow the open down or shorten the wait. */
    static JobService open(ModuleRegistry registry, MinionSettings settings, StatusFile.Maker maker, Duration readyWait)
            throws ConfigException {
        List<String> modules = List.copyOf(registry.modules());
        JobLimits limits = JobLimits.from(settings.config(), modules);
        Path file = settings.minionDir().resolve("status.db");
        CallRunner calls = new RegistryCalls(registry);
        Telemetry telemetry = registry.telemetry();
        JobService jobs = new JobService(file, () -> Jobs.open(file, limits, calls, Clock.systemUTC(), maker, telemetry),
                readyWait, config -> PoolConfig.from(config, modules), calls);
        telemetry.pools(() -> {
            Jobs open = jobs.now();
            Map<String, Telemetry.PoolGauge> out = new TreeMap<>();
            if (open != null) {
                open.pools().forEach((m, p) -> out.put(m, new Telemetry.PoolGauge(p.workers(), p.busy(), p.queued())));
            }
            return out;
        });
        return jobs;
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

    /**
     * Answers one parsed call for the caller in {@code context}: a submission's target is checked
     * first (fault 102/103/104 at once, even while the status file opens), then the call waits
     * for the status file if it is still opening.
     */
    public Object call(JobCall call, CallContext context) throws XmlRpcException {
        Jobs.check(calls, call, context);
        return get().call(call, context);
    }

    /**
     * Runs a system.multicall: when any of {@code methods} (null for an entry without a name) is a
     * job method, its submissions wait for one shared commit at its end instead of one each.
     */
    public Object batch(List<String> methods, Batch body) throws XmlRpcException {
        if (methods.stream().noneMatch(JobProtocol::isJobMethod)) {
            return body.run();
        }
        Jobs open;
        try {
            open = get();
        } catch (XmlRpcException unavailable) {
            return body.run(); // each jobs entry gets the fault on its own
        }
        return open.batch(body::run);
    }

    /** The open jobs, waiting for the status file if it is still opening; a fault when it is not usable. */
    Jobs get() throws XmlRpcException {
        Jobs open = now();
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

    /** True once the status file is open; false while it opens or when it failed. */
    public boolean ready() {
        return now() != null;
    }

    /** True when the status file failed to open: jobs calls get 109. */
    public boolean failed() {
        return opened.isCompletedExceptionally();
    }

    /**
     * Applies the pool settings of {@code config} (SIGHUP): checked first, so that a bad one throws
     * and changes nothing; applied at once, or as soon as the status file is open.
     */
    public void reload(Config config) throws ConfigException {
        PoolConfig next = pools.read(config);
        opened.thenAccept(jobs -> jobs.reconfigure(next));
    }

    /** The open jobs, or null while the status file opens (or when it failed). */
    Jobs now() {
        return opened.isDone() && !opened.isCompletedExceptionally() ? opened.join() : null;
    }

    /** jobs.wait calls blocked right now. */
    int waiting() {
        Jobs open = now();
        return open == null ? 0 : open.waiting();
    }

    /** Stops: see {@link Jobs#close}; an open in progress finishes first, so the file is closed cleanly. */
    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        try {
            opener.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Jobs open = now();
        if (open != null) {
            open.close();
        }
    }
}
