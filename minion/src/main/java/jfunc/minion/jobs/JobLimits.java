package jfunc.minion.jobs;

import java.time.Duration;
import java.util.Collection;
import jfunc.common.Config;
import jfunc.common.Config.ConfigException;

/**
 * The job settings, read from the minion's {@link Config} (file, {@code JFUNC_*} environment, flags):
 *
 * <pre>
 * the pools (see {@link PoolConfig}; re-read on SIGHUP):
 * jobs.max_concurrent.default = 8      jobs running at once per module
 * jobs.max_concurrent.MODULE  = N      per-module override (e.g. jobs.max_concurrent.command = 4)
 * jobs.max_queued             = 10000  jobs waiting per module; beyond it submission faults UNAVAILABLE
 * job_max_runtime             = 1h     then the job is FAILED (TIMEOUT) and its process trees killed
 * jobs.max_running_time.MODULE = 2h    per-module override
 * the rest (read at start):
 * job_retention               = 7d     ended jobs older than this are purged
 * jobs.purge_interval         = 1h     how often the purge runs (also once at start)
 * jobs.commit_interval        = 50ms   group commit: at most one status-file commit per interval
 * jobs.max_result_bytes       = 1MiB   a larger result is not kept: the job is FAILED saying so
 * jobs.max_wait               = 300s   jobs.wait seconds are clamped to [0, this]
 * jobs.max_waiters            = 8      concurrent jobs.wait calls (each holds an RPC worker)
 * jobs.list_limit             = 1000   records per jobs.list
 * jobs.status_many_limit      = 10000  ids per jobs.status_many
 * </pre>
 */
record JobLimits(PoolConfig pools, Duration retention, Duration purgeInterval, Duration commitInterval,
                 long maxResultBytes, Duration maxWait, int maxWaiters, int listLimit, int statusManyLimit) {

    static JobLimits from(Config c, Collection<String> modules) throws ConfigException {
        return new JobLimits(PoolConfig.from(c, modules),
                positive(c, "job_retention", Duration.ofDays(7)),
                positive(c, "jobs.purge_interval", Duration.ofHours(1)),
                positive(c, "jobs.commit_interval", Duration.ofMillis(50)),
                c.getBytes("jobs.max_result_bytes", 1024 * 1024),
                positive(c, "jobs.max_wait", Duration.ofSeconds(300)),
                positive(c, "jobs.max_waiters", 8),
                positive(c, "jobs.list_limit", 1000),
                positive(c, "jobs.status_many_limit", 10_000));
    }

    static int positive(Config c, String key, int def) throws ConfigException {
        int v = c.getInt(key, def);
        if (v < 1) {
            throw new ConfigException(c.origin(key) + " must be at least 1, not " + v);
        }
        return v;
    }

    static int nonNegative(Config c, String key, int def) throws ConfigException {
        int v = c.getInt(key, def);
        if (v < 0) {
            throw new ConfigException(c.origin(key) + " must not be negative, not " + v);
        }
        return v;
    }

    static Duration positive(Config c, String key, Duration def) throws ConfigException {
        Duration d = c.getDuration(key, def);
        if (d.isZero() || d.isNegative()) {
            throw new ConfigException(c.origin(key) + " must be a positive duration, not " + d);
        }
        return d;
    }
}
