package jfunc.minion.jobs;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import jfunc.common.Config;
import jfunc.common.Config.ConfigException;
import jfunc.common.job.JobProtocol;
import jfunc.minion.CallContext;
import jfunc.minion.MinionSettings;
import jfunc.minion.ModuleRegistry;
import jfunc.minion.Telemetry;
import org.apache.xmlrpc.XmlRpcException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The minion's async jobs: {@code async.MODULE.METHOD(args...)} and {@code jobs.*}, backed by
 * the status file. The dispatcher hands every call for which {@link #handles} is true to
 * {@link #call}, and wraps {@code system.multicall} in {@link #batch} so that many submissions
 * share one commit. Thread-safe; job work never runs on the caller's thread.
 */
public final class Jobs implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Jobs.class);

    /** A piece of dispatcher work that may fault. */
    @FunctionalInterface
    public interface XmlRpcCallable<T> {
        T call() throws XmlRpcException;
    }

    private final StatusFile store;
    private final JobLedger ledger;
    private final JobRunner runner;
    private final Submissions submissions;
    private final JobMethods methods;
    private final JobLimits limits;
    private final Clock clock;
    private final ScheduledThreadPoolExecutor purger;
    private PoolConfig pools;

    private Jobs(StatusFile store, JobLimits limits, CallRunner calls, Clock clock, Telemetry telemetry) {
        this.store = store;
        store.onCommit(telemetry::commit);
        this.limits = limits;
        this.clock = clock;
        this.ledger = new JobLedger(store, clock, limits.maxResultBytes());
        this.pools = limits.pools();
        this.runner = new JobRunner(ledger, calls, pools, telemetry);
        this.submissions = new Submissions(ledger, runner, calls, clock);
        this.methods = new JobMethods(submissions, ledger, limits, clock);
        this.purger = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "jobs-purge");
            t.setDaemon(true);
            return t;
        });
        long every = limits.purgeInterval().toMillis();
        purger.scheduleWithFixedDelay(jfunc.common.Periodic.guarded("job purge", this::purge), every, every,
                TimeUnit.MILLISECONDS);
    }

    /**
     * Opens the status file ({@code STATE/minion/NAME/status.db}), marks jobs that were queued or
     * running when the minion last stopped LOST, purges ended jobs older than the retention, and
     * starts accepting. {@code modules}: the module names known now, so that their
     * {@code jobs.max_concurrent.MODULE} settings are checked at start.
     */
    public static Jobs open(Path statusFile, Config config, CallRunner calls, List<String> modules)
            throws StatusFile.StatusFileException, ConfigException {
        return open(statusFile, JobLimits.from(config, modules), calls, Clock.systemUTC(), StatusFile::make,
                Telemetry.NONE);
    }

    /**
     * Plugs jobs into {@code registry} with the settings' config: the {@code jobs} module, the
     * {@code async} prefix route and the multicall batch scope, and starts opening the status
     * file ({@code STATE/minion/NAME/status.db}) in the background ({@link JobsAtStart}). Settings
     * are checked now. Call after the modules are loaded, before serving.
     */
    public static JobsAtStart install(ModuleRegistry registry, MinionSettings settings) throws ConfigException {
        return install(registry, settings, StatusFile::make, JobsAtStart.READY_WAIT);
    }

    /** As {@link #install(ModuleRegistry, MinionSettings)}; tests slow the open down or shorten the wait. */
    static JobsAtStart install(ModuleRegistry registry, MinionSettings settings, StatusFile.Maker maker,
                               java.time.Duration readyWait) throws ConfigException {
        JobLimits limits = JobLimits.from(settings.config(), registry.modules());
        Path file = settings.minionDir().resolve("status.db");
        CallRunner calls = new RegistryCalls(registry);
        List<String> modules = List.copyOf(registry.modules());
        Telemetry telemetry = registry.telemetry();
        JobsAtStart jobs = new JobsAtStart(file, () -> open(file, limits, calls, Clock.systemUTC(), maker, telemetry),
                readyWait, config -> PoolConfig.from(config, modules));
        telemetry.pools(() -> {
            Jobs open = jobs.now();
            Map<String, Telemetry.PoolGauge> out = new java.util.TreeMap<>();
            if (open != null) {
                open.pools().forEach((m, p) -> out.put(m, new Telemetry.PoolGauge(p.workers(), p.busy(), p.queued())));
            }
            return out;
        });
        try {
            registry.add(new JobsModule(jobs));
            registry.route(JobProtocol.ASYNC_PREFIX.substring(0, JobProtocol.ASYNC_PREFIX.length() - 1),
                    (inner, args, context) -> jobs.get().call(JobProtocol.ASYNC_PREFIX + inner, args, context));
            // the submissions of one multicall share one commit
            registry.batchScope((methods, batch) -> {
                if (methods.stream().noneMatch(Jobs::needsStatusFile)) {
                    return batch.run();
                }
                Jobs open;
                try {
                    open = jobs.get();
                } catch (XmlRpcException unavailable) {
                    return batch.run(); // each jobs entry gets the fault on its own
                }
                return open.batch(batch::run);
            });
        } catch (RuntimeException e) {
            jobs.close();
            throw e;
        }
        return jobs;
    }

    private static boolean needsStatusFile(String method) {
        return JobProtocol.isJobMethod(method);
    }

    static Jobs open(Path statusFile, JobLimits limits, CallRunner calls, Clock clock)
            throws StatusFile.StatusFileException {
        return open(statusFile, limits, calls, clock, StatusFile::make, Telemetry.NONE);
    }

    private static Jobs open(Path statusFile, JobLimits limits, CallRunner calls, Clock clock, StatusFile.Maker maker,
                             Telemetry telemetry) throws StatusFile.StatusFileException {
        StatusFile store = StatusFile.open(statusFile, limits.commitInterval(), clock, maker);
        Jobs jobs = new Jobs(store, limits, calls, clock, telemetry);
        jobs.purge();
        log.info("status file {}: {} job record(s), retention {}", statusFile, store.size(),
                JobRunner.human(limits.retention()));
        return jobs;
    }

    /** True for the methods this class answers: {@code async.*} and {@code jobs.*}. */
    public static boolean handles(String method) {
        return JobProtocol.isJobMethod(method);
    }

    /**
     * Answers one {@code async.*} or {@code jobs.*} call (see docs/PROTOCOL.md) for the caller in
     * {@code context}; a submission needs permission for {@code async.MODULE.METHOD}.
     */
    public Object call(String method, List<Object> params, CallContext context) throws XmlRpcException {
        return methods.call(method, params, context);
    }

    /**
     * Runs {@code body} (a system.multicall) so that the submissions in it wait for one shared
     * commit at its end instead of one each; their jobs start after that commit.
     */
    public <T> T batch(XmlRpcCallable<T> body) throws XmlRpcException {
        return submissions.batch(body);
    }

    /**
     * Applies new pool settings (SIGHUP) without touching running or queued jobs; see
     * {@link JobRunner#reconfigure}. Logs what changed.
     */
    void reconfigure(PoolConfig next) {
        PoolConfig before;
        synchronized (this) {
            before = pools;
            pools = next;
            runner.reconfigure(next);
        }
        List<String> changes = next.changesFrom(before);
        if (changes.isEmpty()) {
            log.info("job pools reloaded: unchanged");
        } else {
            log.info("job pools reloaded: {} (running jobs keep running)", String.join("; ", changes));
        }
    }

    /** The pools by module (those that ran a job), for metrics. */
    Map<String, JobRunner.Pool> pools() {
        return runner.pools();
    }

    /** Why the status file was started fresh at open (moved aside as unreadable), or null. */
    public String recoveryNotice() {
        return store.recoveryNotice();
    }

    /** Jobs accepted by this process that have not ended yet (durably). */
    public int activeJobs() {
        return ledger.liveCount();
    }

    /** jobs.wait calls blocked right now. */
    int waiting() {
        return methods.waiting();
    }

    int purge() {
        try {
            int n = store.purge(clock.millis() - limits.retention().toMillis());
            if (n > 0) {
                log.info("purged {} job record(s) that ended more than {} ago (job_retention)", n,
                        JobRunner.human(limits.retention()));
            }
            return n;
        } catch (RuntimeException e) {
            log.error("purging old job records failed: {}", e.toString(), e);
            return 0;
        }
    }

    /**
     * Stops: jobs still queued or running are marked LOST ("minion stopped ..."), their process
     * trees killed, the status file committed and closed.
     */
    @Override
    public void close() {
        purger.shutdownNow();
        ledger.loseAll("minion stopped while the job was queued or running");
        runner.close();
        store.close();
    }
}
