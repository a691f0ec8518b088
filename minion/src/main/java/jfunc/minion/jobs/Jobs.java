package jfunc.minion.jobs;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import jfunc.common.job.JobCall;
import jfunc.minion.CallContext;
import jfunc.minion.Telemetry;
import org.apache.xmlrpc.XmlRpcException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The minion's async jobs once the status file is open: {@code async.MODULE.METHOD(args...)} and
 * {@code jobs.*}, backed by the status file. {@link JobService} hands it parsed calls and wraps
 * {@code system.multicall} in {@link #batch} so that many submissions share one commit.
 * Thread-safe; job work never runs on the caller's thread.
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
        this.submissions = new Submissions(ledger, runner, clock);
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
     * starts accepting.
     */
    static Jobs open(Path statusFile, JobLimits limits, CallRunner calls, Clock clock)
            throws StatusFile.StatusFileException {
        return open(statusFile, limits, calls, clock, StatusFile::make, Telemetry.NONE);
    }

    static Jobs open(Path statusFile, JobLimits limits, CallRunner calls, Clock clock, StatusFile.Maker maker,
                     Telemetry telemetry) throws StatusFile.StatusFileException {
        StatusFile store = StatusFile.open(statusFile, limits.commitInterval(), clock, maker);
        Jobs jobs = new Jobs(store, limits, calls, clock, telemetry);
        jobs.purge();
        log.info("status file {}: {} job record(s), retention {}", statusFile, store.size(),
                JobRunner.human(limits.retention()));
        return jobs;
    }

    /**
     * Answers one parsed {@code async.*} or {@code jobs.*} call (see docs/PROTOCOL.md) for the
     * caller in {@code context}. A submission's target must have passed {@link #check} first.
     */
    public Object call(JobCall call, CallContext context) throws XmlRpcException {
        return methods.call(call, context);
    }

    /**
     * Checks the target of a submission ({@code async.*}, {@code jobs.submit}) against the modules
     * of {@code calls}; other calls pass. Quick: nothing waits, nothing is recorded.
     */
    static void check(CallRunner calls, JobCall call, CallContext context) throws XmlRpcException {
        if (call instanceof JobCall.Async a) {
            Submissions.check(calls, a.method(), a.args(), context);
        } else if (call instanceof JobCall.Submit s) {
            Submissions.check(calls, s.method(), s.args(), context);
        }
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
