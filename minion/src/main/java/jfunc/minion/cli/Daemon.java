package jfunc.minion.cli;

import jfunc.common.Signals;

import java.net.BindException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import jfunc.certs.enrol.EnrolmentException;
import jfunc.common.Config;
import jfunc.common.ExitCodes;
import jfunc.common.Periodic;
import jfunc.common.tls.CaTrust;
import jfunc.common.tls.Certs;
import jfunc.common.tls.Identity;
import jfunc.common.tls.Pem;
import jfunc.minion.Minion;
import jfunc.minion.MinionIdentity;
import jfunc.minion.MinionSettings;
import jfunc.minion.ModuleRegistry;
import jfunc.minion.jobs.JobService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of jfuncd: identity, then the {@link Minion} (modules, job service, server), CRL refresh,
 * and an orderly stop on SIGTERM (stop accepting, give running calls {@code shutdown_grace}, stop the jobs).
 * SIGHUP refreshes the CRL, re-reads the ACL and the config file (the job pools take its
 * settings; a bad file is logged and the old settings stay).
 */
final class Daemon {
    private static final Logger log = LoggerFactory.getLogger(Daemon.class);

    /** Reads the settings again, as at start (SIGHUP). */
    @FunctionalInterface
    interface SettingsSource {
        MinionSettings load() throws Config.ConfigException;
    }

    private final MinionSettings settings;
    private final SettingsSource source;
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final AtomicBoolean stopped = new AtomicBoolean();

    Daemon(MinionSettings settings, SettingsSource source) {
        this.settings = settings;
        this.source = source;
    }

    int run() throws Exception {
        MinionIdentity files = new MinionIdentity(settings.minionDir());
        Enrolment enrolment;
        long idleGc;
        try {
            enrolment = new Enrolment(settings);
            idleGc = Math.max(1, settings.config().getDuration("idle_gc_after", java.time.Duration.ofMinutes(1)).toSeconds());
        } catch (Config.ConfigException e) {
            System.err.println("jfuncd: error: " + e.getMessage());
            return ExitCodes.USAGE;
        }
        StateLock lock;
        try {
            lock = StateLock.acquire(settings.minionDir());
        } catch (java.io.IOException e) {
            System.err.println("jfuncd: error: " + e.getMessage());
            return ExitCodes.USAGE;
        }
        MinionMetrics metrics;
        try {
            metrics = startMetrics(); // before enrolment: a port in use is an error at start
        } catch (java.io.IOException e) {
            lock.close();
            System.err.println("jfuncd: error: " + e.getMessage());
            return ExitCodes.FAILED;
        }
        try (lock; metrics) {
            return run(files, enrolment, idleGc, metrics);
        }
    }

    /** Metrics on metrics_listen, or null when off; an IOException saying why it cannot listen. */
    private MinionMetrics startMetrics() throws java.io.IOException {
        java.net.InetSocketAddress at = settings.metricsListen();
        if (at == null) {
            return null;
        }
        MinionMetrics metrics;
        try {
            metrics = MinionMetrics.start(at);
        } catch (java.io.IOException e) {
            throw new java.io.IOException("metrics_listen " + at.getHostString() + ":" + at.getPort() + ": cannot listen: "
                    + e.getMessage() + " (is the port in use by another process? pick another metrics_listen, or 'off')", e);
        }
        log.info("metrics on http://{}:{}/metrics", at.getHostString(), metrics.port());
        return metrics;
    }

    private int run(MinionIdentity files, Enrolment enrolment, long idleGc, MinionMetrics metrics) throws Exception {
        // modules and the job service first: a bad setting stops jfuncd before anything else, and the
        // status file opens (on a thread of its own) while identity, enrolment and TLS get ready
        ModuleRegistry registry;
        JobService jobs;
        try {
            registry = ModuleRegistry.discover(settings, Daemon.class.getClassLoader());
            registry.telemetry(metrics);
            jobs = JobService.open(registry, settings);
        } catch (Config.ConfigException e) {
            System.err.println("jfuncd: error: " + e.getMessage());
            return ExitCodes.USAGE;
        }
        try {
            return run(files, enrolment, idleGc, metrics, registry, jobs);
        } finally {
            jobs.close(); // nothing when the minion stopped it already
        }
    }

    private int run(MinionIdentity files, Enrolment enrolment, long idleGc, MinionMetrics metrics,
                    ModuleRegistry registry, JobService jobs) throws Exception {
        // the one place the minion chooses its handshake crypto, before any TLS: a long-running
        // server, so BouncyCastle's EC code (one-time class loading) pays off at once
        jfunc.common.tls.TlsContexts.useFastEc();
        Thread main = Thread.currentThread();
        AtomicBoolean enrolling = new AtomicBoolean();
        Signals.onTerminate(() -> {
            stopRequested.countDown();
            if (enrolling.get()) {
                main.interrupt();
            }
        });
        Identity identity;
        CaTrust trust;
        try {
            if (!files.exists()) {
                System.err.println("jfuncd: no identity in " + files.dir() + "; enrolling " + settings.name()
                        + " with the CA at " + settings.ca());
                enrolling.set(true);
                enrolment.enrol();
                enrolling.set(false);
            } else if (enrolment.forgottenByTheCa()) {
                System.err.println("jfuncd: the CA no longer knows " + settings.name() + "; enrolling again with the CA at "
                        + settings.ca());
                enrolling.set(true);
                enrolment.enrol();
                enrolling.set(false);
            }
            identity = files.load();
            trust = files.trust();
        } catch (Pem.PemException e) {
            System.err.println("jfuncd: error: " + e.getMessage());
            return ExitCodes.USAGE;
        } catch (EnrolmentException e) {
            System.err.println("jfuncd: error: enrolment failed: " + e.getMessage());
            return e.reason() == EnrolmentException.Reason.LOCAL_FILES ? ExitCodes.USAGE : ExitCodes.FAILED;
        } catch (InterruptedException e) {
            System.err.println("jfuncd: stopped while enrolling");
            return ExitCodes.OK;
        }
        String wrongCa = enrolment.caMismatch(trust.ca());
        if (wrongCa != null) {
            System.err.println("jfuncd: error: " + wrongCa + " (" + files.caFile() + "); refusing to serve");
            return ExitCodes.USAGE;
        }
        if (!Certs.isFor(identity.certificate(), settings.name())) {
            System.err.println("jfuncd: error: the certificate in " + files.certFile() + " is for '"
                    + identity.name() + "', not '" + settings.name() + "'");
            return ExitCodes.USAGE;
        }
        Minion minion;
        try {
            minion = Minion.start(settings, identity, trust, registry, jobs);
            if (metrics != null) {
                metrics.transport(minion::transportStats);
            }
        } catch (Config.ConfigException e) {
            System.err.println("jfuncd: error: " + e.getMessage());
            return ExitCodes.USAGE;
        } catch (BindException e) {
            System.err.println("jfuncd: error: " + e.getMessage());
            return ExitCodes.FAILED;
        }
        CrlRefresher crl = new CrlRefresher(enrolment, files, trust);
        ScheduledExecutorService timer = Periodic.timer("crl-refresh");
        Duration every = settings.crlRefresh().compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1)
                : settings.crlRefresh();
        Periodic.every(timer, "CRL refresh", every, crl::refresh);
        Periodic.every(timer, "idle GC", Duration.ofSeconds(idleGc), new IdleGc(minion::callsStarted));
        CrlWatchdog watchdog = new CrlWatchdog(crl, every);
        ScheduledExecutorService watch = Periodic.timer("crl-watchdog");
        Periodic.every(watch, "CRL watchdog", watchdog.checkEvery(), watchdog);
        Signals.onHangup(() -> timer.execute(Periodic.guarded("SIGHUP reload", () -> {
            crl.refresh();
            try {
                minion.reloadAcl();
            } catch (Config.ConfigException e) {
                log.error("ACL not reloaded, keeping the old one: {}", e.getMessage());
            }
            reload(minion);
        })));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            watch.shutdownNow();
            stop(minion, timer);
        }, "jfuncd-shutdown"));

        System.err.println("jfuncd: serving " + settings.name() + " on " + minion.address().getHostString() + ":"
                + minion.address().getPort() + " (certificate SHA-256 " + Certs.fingerprint(identity.certificate()) + ")");
        IdleGc.collect();
        stopRequested.await();
        watch.shutdownNow();
        stop(minion, timer);
        return ExitCodes.OK;
    }

    private void stop(Minion minion, ScheduledExecutorService timer) {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        Duration grace = settings.shutdownGrace();
        log.info("stopping: no new calls, up to {} s for running ones", grace.toSeconds());
        timer.shutdownNow();
        minion.stop(grace);
        System.err.println("jfuncd: stopped");
    }

    /** SIGHUP: the config file again, for the job pools; a bad one changes nothing. */
    private void reload(Minion minion) {
        try {
            minion.reload(source.load());
        } catch (Config.ConfigException e) {
            log.error("settings not reloaded, keeping the old ones: {}", e.getMessage());
        }
    }
}
