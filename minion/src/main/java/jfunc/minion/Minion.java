package jfunc.minion;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.time.Duration;
import jfunc.common.Config.ConfigException;
import jfunc.common.rpc.RpcServer;
import jfunc.common.tls.CaTrust;
import jfunc.common.tls.Identity;
import jfunc.minion.jobs.JobService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One minion: its modules ({@link ModuleRegistry}), its job service ({@link JobService}: the
 * status file, the pools, {@code async.*} and {@code jobs.*}) and the dispatcher behind the
 * mutual-TLS server, with one lifecycle: {@link #start}, {@link #state}, {@link #reload},
 * {@link #stop} with a grace. jfuncd runs one; tests start one the same way.
 */
public final class Minion implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Minion.class);

    /** Where a minion is in its life. */
    public enum State {
        /** Serving plain calls; the status file is still opening (jobs calls wait for it, with a bound). */
        STARTING,
        /** Serving every call. */
        SERVING,
        /** Serving plain calls; the status file could not be opened, so jobs calls get 109. */
        JOBS_UNAVAILABLE,
        /** New calls get 109; running ones have their grace. */
        STOPPING,
        /** The port is closed and the status file too. */
        STOPPED
    }

    private final MinionSettings settings;
    private final ModuleRegistry registry;
    private final JobService jobs;
    private final MinionServer server;
    private volatile boolean stopping;
    private volatile boolean stopped;

    private Minion(MinionSettings settings, ModuleRegistry registry, JobService jobs, MinionServer server) {
        this.settings = settings;
        this.registry = registry;
        this.jobs = jobs;
        this.server = server;
    }

    /**
     * Starts serving {@code registry}'s modules (loaded, their telemetry set) and the job service
     * on {@code settings.listen()}: the job settings and the ACL are checked first (a
     * ConfigException says what is wrong, nothing is left running), the status file opens in the
     * background.
     */
    public static Minion start(MinionSettings settings, Identity identity, CaTrust trust, ModuleRegistry registry)
            throws IOException, ConfigException, GeneralSecurityException {
        return start(settings, identity, trust, registry, JobService.open(registry, settings));
    }

    /** As {@link #start(MinionSettings, Identity, CaTrust, ModuleRegistry)} with a job service made on {@code registry}. */
    public static Minion start(MinionSettings settings, Identity identity, CaTrust trust, ModuleRegistry registry,
                               JobService jobs) throws IOException, ConfigException, GeneralSecurityException {
        MinionServer server;
        try {
            server = MinionServer.start(settings, identity, trust, registry, jobs);
        } catch (IOException | ConfigException | GeneralSecurityException | RuntimeException e) {
            jobs.close();
            throw e;
        }
        return new Minion(settings, registry, jobs, server);
    }

    public State state() {
        if (stopped) {
            return State.STOPPED;
        }
        if (stopping) {
            return State.STOPPING;
        }
        if (jobs.ready()) {
            return State.SERVING;
        }
        return jobs.failed() ? State.JOBS_UNAVAILABLE : State.STARTING;
    }

    /** Waits until the status file is open (or failed to); true when jobs are served. */
    public boolean awaitJobs(Duration timeout) throws InterruptedException {
        return jobs.awaitReady(timeout);
    }

    /** Re-reads the ACL file; on an error the old ACL stays and the error is thrown. */
    public void reloadAcl() throws ConfigException {
        server.reloadAcl();
    }

    /**
     * The settings as re-read (SIGHUP): the job pools take theirs without dropping a job. Checked
     * first: a ConfigException says what is wrong and nothing changed.
     */
    public void reload(MinionSettings next) throws ConfigException {
        jobs.reload(next.config());
    }

    /**
     * Refuses new calls (109), gives running calls up to {@code grace} to finish, closes the port,
     * then stops the jobs (those still queued or running become LOST, their process trees killed)
     * and closes the status file. A second call does nothing.
     */
    public synchronized void stop(Duration grace) {
        if (stopped) {
            return;
        }
        stopping = true;
        server.stop((int) Math.min(Integer.MAX_VALUE, grace.toSeconds()));
        jobs.close();
        stopped = true;
        log.debug("minion {} stopped", settings.name());
    }

    /** The bound address (with the real port when port 0 was asked for). */
    public InetSocketAddress address() {
        return server.address();
    }

    /** How many calls have started since the minion started (to tell idle periods apart). */
    public long callsStarted() {
        return server.callsStarted();
    }

    /** The transport's counts (connections, handshakes, refusals), for metrics. */
    public RpcServer.Stats transportStats() {
        return server.transportStats();
    }

    public ModuleRegistry registry() {
        return registry;
    }

    public JobService jobs() {
        return jobs;
    }

    public MinionSettings settings() {
        return settings;
    }

    /** Stops at once (no grace). */
    @Override
    public void close() {
        stop(Duration.ZERO);
    }
}
