package jfunc.overlord.service;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import jfunc.common.Config.ConfigException;
import jfunc.common.Periodic;
import jfunc.overlord.internal.OverlordCrl;
import jfunc.overlord.internal.OverlordFiles;
import jfunc.common.StateDir;
import jfunc.overlord.OverlordApi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The long-lived overlord of one state dir: one in-process {@link OverlordApi} (identity,
 * inventory, the job store opened by this process alone, warm connections), served on
 * {@code STATE/overlord/overlord.sock}. It follows unfinished jobs itself ({@link JobWatches}),
 * re-reads the inventory when its files change, purges old jobs, and holds
 * {@code STATE/overlord/service.lock} so that a second service on the same state dir refuses.
 */
public final class OverlordService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OverlordService.class);
    public static final String LOCK = "service.lock";

    private final StateDir state;
    private volatile ServiceSettings settings;
    private final FileChannel lockFile;
    private final FileLock lock;
    private final OverlordApi api;
    private final JobWatches watches;
    /** With a shared (PostgreSQL) store: this service's lease and share, and the job news it hears; else null. */
    private volatile Fleet fleet;
    private final AutoCloseable news;
    private final LiveCalls live;
    private final ServiceMethods methods;
    private final ServiceMetrics metrics;
    private final SocketServer socket;
    private final ScheduledExecutorService timer;
    private final jfunc.overlord.heartbeat.Heartbeat heartbeat;
    private final jfunc.overlord.web.Dashboard dashboard;
    private final Instant started = Instant.now();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile String inventoryStamp;

    private OverlordService(StateDir state, ServiceSettings settings, FileChannel lockFile, FileLock lock,
                            jfunc.overlord.jobs.JobStore store) throws Exception {
        this.state = state;
        this.settings = settings;
        this.lockFile = lockFile;
        this.lock = lock;
        jfunc.overlord.jobs.PostgresJobStore shared = store instanceof jfunc.overlord.jobs.PostgresJobStore pg ? pg : null;
        this.api = OverlordApi.storeOwner(state, settings.limits(), this::storeTook, store,
                shared == null ? null : minion -> fleet == null || fleet.owns(minion));
        this.watches = new JobWatches(api, shared == null ? JobWatches.ROUND : JobWatches.SHARED_ROUND);
        if (shared != null) {
            // the lease first: no job is touched before this service knows its share
            this.fleet = Fleet.start(shared, Fleet.hostName() + ":" + state.root(), settings.leaseTtl(),
                    watches::adoptUnfinished);
            this.news = shared.listen(watches::news, watches::pokeAll);
        } else {
            this.fleet = null;
            this.news = null;
        }
        this.metrics = ServiceMetrics.start(settings.metricsListen(), api, watches);
        this.live = new LiveCalls();
        this.methods = new ServiceMethods(api, watches, live, settings, metrics::fanoutEnded);
        metrics.countMerged(methods::mergedCalls);
        this.heartbeat = startHeartbeat(api, settings.heartbeat());
        methods.heartbeat(heartbeat);
        this.socket = SocketServer.start(ServiceClient.socket(state), metrics.measured(methods), metrics::called);
        this.dashboard = settings.webListen() == null ? null : startDashboard(settings.webListen());
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "service-timer");
            t.setDaemon(true);
            return t;
        });
        inventoryStamp = InventoryStamp.of(state);
        long check = Math.max(1, settings.inventoryCheck().toMillis());
        timer.scheduleWithFixedDelay(Periodic.guarded("inventory check", this::reloadIfChanged), check, check,
                TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(Periodic.guarded("job retention", this::purgeOld), 1, 3600, TimeUnit.SECONDS);
        timer.scheduleWithFixedDelay(Periodic.guarded("unfinished jobs", watches::adoptUnfinished), 0, 30, TimeUnit.SECONDS);
        crlStamp = crlStamp();
        timer.scheduleWithFixedDelay(Periodic.guarded("CRL check", this::reloadIfCrlChanged), check, check,
                TimeUnit.MILLISECONDS);
    }

    private volatile String crlStamp;

    /**
     * The dashboard on {@code listen}, with the token of STATE/overlord/web.token (written at the
     * first start, when its URL with the token is logged, once). A port that cannot be bound
     * leaves the dashboard off, logged, and the service serving.
     */
    private jfunc.overlord.web.Dashboard startDashboard(java.net.InetSocketAddress listen) {
        try {
            jfunc.overlord.web.WebToken token = jfunc.overlord.web.WebToken.load(state.overlord());
            jfunc.overlord.CertExpiry certs = new jfunc.overlord.CertExpiry(state);
            jfunc.overlord.web.Dashboard d = jfunc.overlord.web.Dashboard.start(listen, token,
                    new jfunc.overlord.web.Dashboard.Source() {
                        @Override
                        public OverlordApi api() {
                            return api;
                        }

                        @Override
                        public jfunc.overlord.Liveness liveness(String minion) {
                            return heartbeat.of(minion);
                        }

                        @Override
                        public Instant certExpires(String minion) {
                            return certs.of(minion);
                        }

                        @Override
                        public java.util.List<java.util.Map.Entry<String, String>> health() {
                            return OverlordService.this.health();
                        }

                        @Override
                        public String metrics() {
                            return metrics.text();
                        }
                    });
            String url = "http://" + new jfunc.common.HostPort(listen.getHostString(), d.port()) + "/";
            if (token.created()) {
                log.info("dashboard on {}?token={} (the token is in {}; this URL is shown only now)", url, token.value(),
                        state.overlord().resolve(jfunc.overlord.web.WebToken.FILE));
            } else {
                log.info("dashboard on {} (open it with ?token= and the token in {})", url,
                        state.overlord().resolve(jfunc.overlord.web.WebToken.FILE));
            }
            return d;
        } catch (Exception e) {
            log.error("dashboard off: cannot serve it on {}: {}", listen, e.toString());
            return null;
        }
    }

    private static String seconds(Duration d) {
        return String.format(java.util.Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }

    /** The dashboard's port, or -1 when it is off. */
    public int dashboardPort() {
        return dashboard == null ? -1 : dashboard.port();
    }

    /** The health page: uptime, connections, calls in flight, re-submissions, heartbeat. */
    java.util.List<java.util.Map.Entry<String, String>> health() {
        java.util.List<java.util.Map.Entry<String, String>> h = new java.util.ArrayList<>();
        Duration up = Duration.between(started, Instant.now());
        h.add(java.util.Map.entry("Up since", jfunc.overlord.Liveness.Times.at(started)));
        h.add(java.util.Map.entry("Uptime", String.format(java.util.Locale.ROOT, "%dd %02dh %02dm %02ds", up.toDays(),
                up.toHoursPart(), up.toMinutesPart(), up.toSecondsPart())));
        long[] t = OverlordApi.transport(api);
        h.add(java.util.Map.entry("Pooled connections", t == null ? "-" : Long.toString(t[0])));
        h.add(java.util.Map.entry("TLS handshakes since start", t == null ? "-" : Long.toString(t[1])));
        h.add(java.util.Map.entry("Calls in flight (socket requests)", Long.toString((long) metrics.inFlight())));
        double pending = ServiceMetrics.pendingResubmissions(api);
        h.add(java.util.Map.entry("Pending re-submissions", Double.isNaN(pending) ? "-" : Long.toString((long) pending)));
        h.add(java.util.Map.entry("Jobs followed", Integer.toString(watches.watched())));
        h.add(java.util.Map.entry("Heartbeat", "every " + seconds(heartbeat.interval()) + ", "
                + heartbeat.rounds() + " rounds, last took " + seconds(heartbeat.lastRound())));
        h.add(java.util.Map.entry("Forks, timeout", settings.limits().forks() + ", "
                + seconds(settings.limits().timeout())));
        h.add(java.util.Map.entry("State dir", state.root().toString()));
        return h;
    }

    /**
     * Pings every minion of the inventory (as it stands at each round) with {@code test.ping}
     * once per {@code interval}; plain calls, not jobs. A missing identity only makes the pings fail.
     */
    private static jfunc.overlord.heartbeat.Heartbeat startHeartbeat(OverlordApi api, Duration interval) {
        return jfunc.overlord.heartbeat.Heartbeat.start(interval, () -> {
            try {
                return api.minions("*").minions();
            } catch (jfunc.overlord.NoMatchException e) {
                return java.util.List.of();
            }
        }, (batch, timeout) -> api.call(new jfunc.overlord.Selection("heartbeat",
                batch.stream().map(jfunc.overlord.MinionAddress::name).toList(), batch, java.util.List.of()),
                jfunc.overlord.MethodCall.of("test.ping"), timeout, jfunc.overlord.FanOutListener.NONE));
    }

    /**
     * A new CRL must reach the fan-out of a service that runs for months: fetches it from the CA
     * service when due ({@link OverlordCrl}, with JFUNC_CA), and re-reads identity and CRL when
     * the CRL file changed, so a revoked minion stops getting calls.
     */
    private void reloadIfCrlChanged() {
        OverlordCrl.refreshIfDue(state);
        String now = crlStamp();
        if (!now.equals(crlStamp)) {
            try {
                OverlordApi.reload(api, true, settings.limits().timeout().plusSeconds(5), null);
                crlStamp = now;
                log.info("the CRL changed: re-read identity and CRL");
            } catch (ConfigException e) {
                log.warn("the CRL changed but cannot be read, keeping the old one: {}", e.getMessage());
            }
        }
    }

    private String crlStamp() {
        Path f = OverlordFiles.crlFile(state);
        try {
            return f == null ? "-" : f + " " + Files.size(f) + " " + Files.getLastModifiedTime(f).toMillis();
        } catch (IOException e) {
            return f + " unreadable";
        }
    }

    /**
     * Takes the state dir's service lock and starts serving. A second service on the same state
     * dir gets a ConfigException naming the first one's pid.
     */
    public static OverlordService start(StateDir state, ServiceSettings settings) throws Exception {
        Files.createDirectories(state.overlord());
        Path lockPath = state.overlord().resolve(LOCK);
        FileChannel ch = FileChannel.open(lockPath, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException e) {
            lock = null; // held by this JVM already
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        if (lock == null) {
            String pid = new String(Files.readAllBytes(lockPath), StandardCharsets.US_ASCII).strip();
            ch.close();
            throw new ConfigException("another jfunc-overlord already serves " + state.root() + " (pid "
                    + (pid.isEmpty() ? "unknown" : pid) + ", lock " + lockPath + "): stop it first");
        }
        ch.truncate(0);
        ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
        jfunc.overlord.jobs.JobStore store = null;
        try {
            store = openSharedStore(state, settings.jobStore());
            OverlordService s = new OverlordService(state, settings, ch, lock, store);
            log.info("serving {} on {} (forks {}, timeout {} s, metrics {}, heartbeat every {})", state.root(),
                    s.socket.socket(), settings.limits().forks(), settings.limits().timeout().toSeconds(),
                    settings.metricsListen() == null ? "off" : settings.metricsListen(), settings.heartbeat());
            return s;
        } catch (Exception | Error e) {
            if (store != null) {
                store.close();
            }
            lock.release();
            ch.close();
            throw e;
        }
    }

    /**
     * A PostgreSQL store is connected and migrated now, so a bad {@code job_store} stops the start
     * (exit 2) with a message naming the setting; MapDB (null here) is opened on first need.
     */
    private static jfunc.overlord.jobs.JobStore openSharedStore(StateDir state, jfunc.overlord.jobs.JobStores.Choice choice)
            throws ConfigException {
        if (!choice.shared()) {
            return null;
        }
        try {
            jfunc.overlord.jobs.JobStore store = jfunc.overlord.jobs.JobStores.open(state, true, choice);
            log.info("job store: {} (shared)", store.name());
            return store;
        } catch (jfunc.overlord.jobs.JobStoreException e) {
            throw new ConfigException(jfunc.overlord.jobs.JobStores.SETTING + ": " + e.getMessage());
        }
    }

    public Path socket() {
        return socket.socket();
    }

    /** The metrics endpoint's port, or -1 when metrics are off. */
    public int metricsPort() {
        return metrics.port();
    }

    /** SIGHUP without a config file: re-read the inventory, identity and CRL. */
    public void reload() {
        reload(null);
    }

    /**
     * SIGHUP: {@code fresh} settings (null: keep them), then the inventory, identity and CRL. Calls
     * running on the old connections finish; new ones use the new forks and timeout; job_retention
     * and late_answers apply from now. metrics_listen and inventory_check take a restart.
     */
    public void reload(ServiceSettings fresh) {
        ServiceSettings old = settings;
        try {
            OverlordApi.reload(api, true, old.limits().timeout().plusSeconds(5), fresh == null ? null : fresh.limits());
            inventoryStamp = InventoryStamp.of(state);
            crlStamp = crlStamp();
            if (fresh != null) {
                settings = fresh;
                methods.settings(fresh);
                timer.execute(Periodic.guarded("job retention", this::purgeOld)); // a shorter retention applies now
                if (!java.util.Objects.equals(fresh.metricsListen(), old.metricsListen())
                        || !fresh.inventoryCheck().equals(old.inventoryCheck())
                        || !fresh.heartbeat().equals(old.heartbeat())
                        || !java.util.Objects.equals(fresh.webListen(), old.webListen())) {
                    log.warn("metrics_listen, inventory_check, heartbeat_interval and web_listen change only on a restart");
                }
                log.info("re-read the config (forks {}, timeout {} s, job_retention {}, late_answers {}), inventory,"
                                + " identity and CRL of {}", fresh.limits().forks(), fresh.limits().timeout().toSeconds(),
                        fresh.retention(), fresh.lateAnswers(), state.root());
            } else {
                log.info("re-read the inventory, identity and CRL of {}", state.root());
            }
        } catch (ConfigException e) {
            log.error("re-reading failed, keeping what was loaded: {}", e.getMessage());
        }
    }

    /** The settings in force (after the last SIGHUP). */
    ServiceSettings settings() {
        return settings;
    }

    private void reloadIfChanged() {
        String now = InventoryStamp.of(state);
        if (!now.equals(inventoryStamp)) {
            try {
                OverlordApi.reload(api, false, Duration.ZERO, null);
                inventoryStamp = now;
                log.info("the inventory changed: re-read");
            } catch (ConfigException e) {
                log.warn("the inventory changed but cannot be read, keeping the old one: {}", e.getMessage());
            }
        }
    }

    private void purgeOld() {
        try {
            int n = OverlordApi.purgeFinished(api, Instant.now().minus(settings.retention()));
            if (n > 0) {
                log.info("purged {} finished jobs older than job_retention ({})", n, settings.retention());
            }
        } catch (ConfigException e) {
            log.warn("job retention: {}", e.getMessage());
        }
    }

    private void storeTook(String operation, long nanos) {
        ServiceMetrics m = metrics; // null while the constructor runs
        if (m != null) {
            m.storeOperation(operation, nanos);
        }
    }

    /** Blocks until {@link #close()} has run. */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    /** Stops: no new requests; waiters are answered; calls in flight get the socket server's stop timeout. */
    @Override
    public synchronized void close() {
        if (stopped.getCount() == 0) {
            return;
        }
        timer.shutdownNow();
        if (dashboard != null) {
            dashboard.close();
        }
        heartbeat.close();
        if (news != null) {
            try {
                news.close();
            } catch (Exception e) {
                log.debug("job news: {}", e.toString());
            }
        }
        if (fleet != null) {
            fleet.close(); // the lease is given up: the others take this share over now
        }
        watches.close();
        socket.close();
        live.close();
        metrics.close();
        api.close();
        try {
            lock.release();
            lockFile.close();
        } catch (IOException e) {
            log.debug("releasing the lock: {}", e.toString());
        }
        stopped.countDown();
        log.info("stopped");
    }
}
