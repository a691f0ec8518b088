package jfunc.overlord.service;

import java.time.Duration;
import jfunc.common.Config;
import jfunc.common.Config.ConfigException;
import jfunc.common.HostPort;
import jfunc.overlord.FanOut;
import jfunc.overlord.jobs.JobStores;

/**
 * The service's settings (etc/overlord.conf documents each, at its default).
 *
 * @param limits         forks and per-minion timeout of the service's fan-outs (forks, timeout)
 * @param retention      finished jobs older than this are purged (job_retention)
 * @param metricsListen  host:port of the Prometheus endpoint, or null when off (metrics_listen)
 * @param inventoryCheck how often the inventory files are checked for changes (inventory_check)
 * @param lateAnswers    how long a sync call's job keeps collecting answers after it started (late_answers)
 * @param heartbeat      how often every minion is pinged for the dashboard and list-minions (heartbeat_interval)
 * @param webListen      host:port of the dashboard, or null when off (web_listen)
 * @param jobStore       MapDB in the state dir, or a shared PostgreSQL store (job_store, job_store_password_file)
 * @param leaseTtl       with a shared store: how long this service's lease lasts unrenewed (lease_ttl)
 */
record ServiceSettings(FanOut.Limits limits, Duration retention, java.net.InetSocketAddress metricsListen,
                       Duration inventoryCheck, Duration lateAnswers, Duration heartbeat,
                       java.net.InetSocketAddress webListen, JobStores.Choice jobStore, Duration leaseTtl) {
    static final Duration DEFAULT_LEASE = Duration.ofSeconds(10);

    /** The MapDB store of the state dir. */
    ServiceSettings(FanOut.Limits limits, Duration retention, java.net.InetSocketAddress metricsListen,
                    Duration inventoryCheck, Duration lateAnswers, Duration heartbeat,
                    java.net.InetSocketAddress webListen) {
        this(limits, retention, metricsListen, inventoryCheck, lateAnswers, heartbeat, webListen, JobStores.Choice.MAPDB,
                DEFAULT_LEASE);
    }

    static final String DEFAULT_METRICS = "127.0.0.1:9236";

    /** The default heartbeat, dashboard off. */
    ServiceSettings(FanOut.Limits limits, Duration retention, java.net.InetSocketAddress metricsListen,
                    Duration inventoryCheck, Duration lateAnswers) {
        this(limits, retention, metricsListen, inventoryCheck, lateAnswers, DEFAULT_HEARTBEAT, null);
    }

    /** Shorter than the time a pooled connection is kept idle, so the heartbeat alone keeps every minion's connection warm. */
    static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(45);

    /** {@code heartbeat_interval}: more than 0. */
    private static Duration heartbeat(Config cfg) throws ConfigException {
        Duration d = cfg.getDuration("heartbeat_interval", DEFAULT_HEARTBEAT);
        if (d.isZero() || d.isNegative()) {
            throw new ConfigException("heartbeat_interval must be more than 0 (got " + d + ")");
        }
        return d;
    }

    /** {@code lease_ttl}: at least 1 s. */
    private static Duration leaseTtl(Config cfg) throws ConfigException {
        Duration d = cfg.getDuration("lease_ttl", DEFAULT_LEASE);
        if (d.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new ConfigException("lease_ttl must be at least 1s (got " + d + ")");
        }
        return d;
    }

    static final String DEFAULT_WEB = "127.0.0.1:9237";

    /** {@code web_listen}: the dashboard's host:port, or null when empty or 'off'. */
    private static java.net.InetSocketAddress webListen(Config cfg) throws ConfigException {
        String v = cfg.get("web_listen", DEFAULT_WEB).strip();
        if (v.isEmpty() || v.equalsIgnoreCase("off")) {
            return null;
        }
        try {
            return HostPort.parseListen(v, 9237);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("web_listen: " + e.getMessage());
        }
    }

    static ServiceSettings from(Config cfg) throws ConfigException {
        jfunc.overlord.OverlordConfig.rejectUnknownKeys(cfg);
        FanOut.Limits limits = jfunc.overlord.OverlordConfig.limits(cfg);
        String metrics = cfg.get("metrics_listen", DEFAULT_METRICS);
        java.net.InetSocketAddress listen;
        try {
            listen = metrics.equalsIgnoreCase("off") ? null : HostPort.parseListen(metrics, 9236);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("metrics_listen: " + e.getMessage());
        }
        return new ServiceSettings(limits, cfg.getDuration("job_retention", Duration.ofDays(30)), listen,
                cfg.getDuration("inventory_check", Duration.ofSeconds(5)), cfg.getDuration("late_answers", Duration.ofMinutes(5)),
                heartbeat(cfg), webListen(cfg), JobStores.choice(cfg), leaseTtl(cfg));
    }
}
