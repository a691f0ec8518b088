package jfunc.minion.jobs;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import jfunc.common.Config;
import jfunc.common.Config.ConfigException;
import jfunc.common.Suggestions;

/**
 * The job pools (Driveshaft's): each module's jobs run in a pool of its own, named after the
 * module, with a worker count and a maximum running time, read from the minion's config and
 * re-read on SIGHUP:
 *
 * <pre>
 * jobs.max_concurrent.default   = 8    workers of every pool without its own count
 * jobs.max_concurrent.MODULE    = N    workers of MODULE's pool
 * job_max_runtime               = 1h   maximum running time of every pool without its own
 * jobs.max_running_time.MODULE  = 2h   maximum running time of MODULE's jobs
 * jobs.max_queued               = 10000  jobs waiting per pool
 * </pre>
 * A key that names a module this minion does not have, a worker count below 1 or a running time
 * that is not positive is a {@link ConfigException} naming the key: jfuncd does not start with
 * it, and a SIGHUP with it keeps the pools as they are.
 */
record PoolConfig(int defaultWorkers, Map<String, Integer> workersByModule, Duration defaultMaxRunningTime,
                  Map<String, Duration> maxRunningTimeByModule, int maxQueued) {
    static final String WORKERS = "jobs.max_concurrent.";
    static final String RUNNING_TIME = "jobs.max_running_time.";

    static PoolConfig from(Config c, Collection<String> modules) throws ConfigException {
        int def = JobLimits.positive(c, WORKERS + "default", 8);
        Duration defTime = JobLimits.positive(c, "job_max_runtime", Duration.ofHours(1));
        Map<String, Integer> workers = new TreeMap<>();
        Map<String, Duration> times = new TreeMap<>();
        for (String key : c.keysStartingWith(WORKERS)) {
            String module = module(c, key, WORKERS, modules, true);
            if (module != null) {
                workers.put(module, JobLimits.positive(c, key, def));
            }
        }
        for (String key : c.keysStartingWith(RUNNING_TIME)) {
            times.put(module(c, key, RUNNING_TIME, modules, false), JobLimits.positive(c, key, defTime));
        }
        for (String m : modules) { // also set through the environment (not listed by keysStartingWith)
            if (c.get(WORKERS + m, null) != null) {
                workers.put(m, JobLimits.positive(c, WORKERS + m, def));
            }
            if (c.get(RUNNING_TIME + m, null) != null) {
                times.put(m, JobLimits.positive(c, RUNNING_TIME + m, defTime));
            }
        }
        return new PoolConfig(def, Map.copyOf(workers), defTime, Map.copyOf(times),
                JobLimits.nonNegative(c, "jobs.max_queued", 10_000));
    }

    /** The module a per-module key names (null for {@code default}); an unknown module is an error. */
    private static String module(Config c, String key, String prefix, Collection<String> modules, boolean defaultOk)
            throws ConfigException {
        String module = key.substring(prefix.length());
        if (defaultOk && module.equals("default")) {
            return null;
        }
        if (!modules.contains(module)) {
            throw new ConfigException(c.origin(key) + ": no module '" + module + "' on this minion"
                    + Suggestions.didYouMean(module, modules) + " (modules: " + String.join(", ", new java.util.TreeSet<>(modules))
                    + (defaultOk ? "; or 'default'" : "") + ")");
        }
        return module;
    }

    int workers(String module) {
        return workersByModule.getOrDefault(module, defaultWorkers);
    }

    Duration maxRunningTime(String module) {
        return maxRunningTimeByModule.getOrDefault(module, defaultMaxRunningTime);
    }

    /** The setting that gives {@code module}'s maximum running time, for messages. */
    String maxRunningTimeKey(String module) {
        return maxRunningTimeByModule.containsKey(module) ? RUNNING_TIME + module : "job_max_runtime";
    }

    /**
     * What differs from {@code before}, for the log ("command: workers 4 -> 1, max_running_time 1h
     * -> 10s", "default: ..." for pools without settings of their own); empty when nothing does.
     */
    List<String> changesFrom(PoolConfig before) {
        List<String> out = new ArrayList<>();
        if (before.maxQueued != maxQueued) {
            out.add("jobs.max_queued " + before.maxQueued + " -> " + maxQueued);
        }
        describe(out, "default", before.defaultWorkers, defaultWorkers, before.defaultMaxRunningTime, defaultMaxRunningTime);
        java.util.SortedSet<String> modules = new java.util.TreeSet<>();
        for (PoolConfig c : List.of(before, this)) {
            modules.addAll(c.workersByModule.keySet());
            modules.addAll(c.maxRunningTimeByModule.keySet());
        }
        for (String m : modules) {
            describe(out, m, before.workers(m), workers(m), before.maxRunningTime(m), maxRunningTime(m));
        }
        return out;
    }

    private static void describe(List<String> out, String pool, int w0, int w1, Duration t0, Duration t1) {
        List<String> parts = new ArrayList<>();
        if (w0 != w1) {
            parts.add("workers " + w0 + " -> " + w1);
        }
        if (!t0.equals(t1)) {
            parts.add("max_running_time " + JobRunner.human(t0) + " -> " + JobRunner.human(t1));
        }
        if (!parts.isEmpty()) {
            out.add(pool + ": " + String.join(", ", parts));
        }
    }
}
