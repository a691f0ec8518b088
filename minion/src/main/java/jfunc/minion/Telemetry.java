package jfunc.minion;

import java.util.Map;
import java.util.function.Supplier;
import jfunc.common.job.JobState;

/**
 * What the minion reports for metrics, with no metrics library in sight: the dispatcher, the job
 * runner and the status file call it; {@link #NONE} (the default, metrics off) does nothing. The
 * Prometheus side is {@code jfunc.minion.cli.MinionMetrics}, made only when {@code metrics_listen}
 * is set, so a minion without metrics loads none of its classes. Implementations are thread-safe
 * and never block.
 */
public interface Telemetry {
    /** Metrics off. */
    Telemetry NONE = new Telemetry() {};

    /** Workers and queue of one job pool, read at scrape time. */
    record PoolGauge(int workers, int busy, int queued) {}

    /**
     * A call answered: {@code method} as the registry knows it (unknown names come as "other"),
     * {@code code} "ok", a fault code ("103") or "error".
     */
    default void call(String method, String code) {}

    /** A job's call returned after {@code seconds}; {@code end} the job's final state, {@code faultCode} its fault (0: none). */
    default void job(String module, String method, double seconds, JobState end, int faultCode) {}

    /** A status-file commit took {@code seconds} (fsync included). */
    default void commit(double seconds) {}

    /** Where the job pools can be read (by pool name: the module). */
    default void pools(Supplier<Map<String, PoolGauge>> source) {}
}
