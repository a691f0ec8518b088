package jfunc.minion.jobs;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import jfunc.common.Config;
import jfunc.common.Config.ConfigException;

/**
 * The job settings, read from the minion's {@link Config} (file, {@code JFUNC_*} environment, flags):
 *
 * <pre>
 * jobs.max_concurrent.default = 8      jobs running at once per module
 * jobs.max_concurrent.MODULE  = N      per-module override (e.g. jobs.max_concurrent.command = 4)
 * jobs.max_queued             = 10000  jobs waiting per module; beyond it submission faults UNAVAILABLE
 * job_max_runtime             = 1h     then the job is FAILED (TIMEOUT) and its process trees killed
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
record JobLimits(int defaultConcurrent, Map<String, Integer> concurrentByModule, int maxQueued,
                 Duration maxRuntime, Duration retention, Duration purgeInterval, Duration commitInterval,
                 long maxResultBytes, Duration maxWait, int maxWaiters, int listLimit, int statusManyLimit) {

    static JobLimits from(Config c, Collection<String> modules) throws ConfigException {
        int def = positive(c, "jobs.max_concurrent.default", 8);
        Map<String, Integer> byModule = new HashMap<>();
        for (String m : modules) {
            byModule.put(m, positive(c, "jobs.max_concurrent." + m, def));
        }
        return new JobLimits(def, Map.copyOf(byModule),
                nonNegative(c, "jobs.max_queued", 10_000),
                positive(c, "job_max_runtime", Duration.ofHours(1)),
                positive(c, "job_retention", Duration.ofDays(7)),
                positive(c, "jobs.purge_interval", Duration.ofHours(1)),
                positive(c, "jobs.commit_interval", Duration.ofMillis(50)),
                c.getBytes("jobs.max_result_bytes", 1024 * 1024),
                positive(c, "jobs.max_wait", Duration.ofSeconds(300)),
                positive(c, "jobs.max_waiters", 8),
                positive(c, "jobs.list_limit", 1000),
                positive(c, "jobs.status_many_limit", 10_000));
    }

    int maxConcurrent(String module) {
        return concurrentByModule.getOrDefault(module, defaultConcurrent);
    }

    private static int positive(Config c, String key, int def) throws ConfigException {
        int v = c.getInt(key, def);
        if (v < 1) {
            throw new ConfigException("'" + key + "' must be at least 1, not " + v);
        }
        return v;
    }

    private static int nonNegative(Config c, String key, int def) throws ConfigException {
        int v = c.getInt(key, def);
        if (v < 0) {
            throw new ConfigException("'" + key + "' must not be negative, not " + v);
        }
        return v;
    }

    private static Duration positive(Config c, String key, Duration def) throws ConfigException {
        Duration d = c.getDuration(key, def);
        if (d.isZero() || d.isNegative()) {
            throw new ConfigException("'" + key + "' must be a positive duration, not " + d);
        }
        return d;
    }
}
