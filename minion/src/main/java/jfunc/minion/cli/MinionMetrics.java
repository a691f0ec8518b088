package jfunc.minion.cli;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.function.Supplier;
import jfunc.common.Faults;
import jfunc.common.job.JobState;
import jfunc.common.rpc.RpcServer;
import jfunc.minion.Telemetry;

/**
 * The minion's Prometheus metrics (official client 1.x), text format on {@code metrics_listen}:
 * Driveshaft's set. Made only when metrics are on; the rest of the minion reports through
 * {@link Telemetry}. Pool, connection and handshake figures are read at scrape time.
 */
final class MinionMetrics implements Telemetry, AutoCloseable {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter calls = Counter.builder().name("jfunc_minion_calls")
            .help("Calls answered, by method (\"other\" for names the minion does not have) and code (ok, a fault code, error)")
            .labelNames("method", "code").register(registry);
    private final Histogram jobSeconds = Histogram.builder().name("jfunc_minion_job_duration_seconds")
            .help("Time a job's call ran, by module and method").labelNames("module", "method").classicOnly()
            .classicUpperBounds(0.01, 0.05, 0.25, 1, 5, 30, 120, 600, 3600, 14400).register(registry);
    private final Counter jobErrors = Counter.builder().name("jfunc_minion_job_errors")
            .help("Jobs that ended FAILED with a fault other than a timeout, by module and method")
            .labelNames("module", "method").register(registry);
    private final Counter jobTimeouts = Counter.builder().name("jfunc_minion_job_timeouts")
            .help("Jobs stopped past their pool's maximum running time (FAILED, fault 106), by module and method")
            .labelNames("module", "method").register(registry);
    private final Histogram commits = Histogram.builder().name("jfunc_minion_status_commit_seconds")
            .help("Status-file group commits: writing the changes and the fsync'd commit").classicOnly()
            .classicUpperBounds(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5).register(registry);
    private volatile Supplier<Map<String, PoolGauge>> pools = Map::of;
    private volatile Supplier<RpcServer.Stats> transport;
    private final HTTPServer server;

    private MinionMetrics(InetSocketAddress listen) throws IOException {
        GaugeWithCallback.builder().name("jfunc_minion_pool_workers")
                .help("Workers of each job pool (named after its module), busy or idle").labelNames("pool", "state")
                .callback(cb -> pools.get().forEach((pool, g) -> {
                    cb.call(g.busy(), pool, "busy");
                    cb.call(Math.max(0, g.workers() - g.busy()), pool, "idle");
                })).register(registry);
        GaugeWithCallback.builder().name("jfunc_minion_pool_queue_depth")
                .help("Jobs accepted and waiting for a worker, by pool").labelNames("pool")
                .callback(cb -> pools.get().forEach((pool, g) -> cb.call(g.queued(), pool))).register(registry);
        GaugeWithCallback.builder().name("jfunc_minion_connections_open")
                .help("Open client connections (TLS handshake done or in progress)")
                .callback(cb -> {
                    RpcServer.Stats s = stats();
                    if (s != null) {
                        cb.call(s.openConnections());
                    }
                }).register(registry);
        CounterWithCallback.builder().name("jfunc_minion_handshakes")
                .help("TLS handshakes since start, by result (ok, failed)").labelNames("result")
                .callback(cb -> {
                    RpcServer.Stats s = stats();
                    if (s != null) {
                        cb.call(s.handshakesDone(), "ok");
                        cb.call(s.handshakesFailed(), "failed");
                    }
                }).register(registry);
        server = HTTPServer.builder().hostname(listen.getHostString()).port(listen.getPort()).registry(registry)
                .buildAndStart();
    }

    /** Serves metrics on {@code listen}; an {@link IOException} when it cannot (port in use, say). */
    static MinionMetrics start(InetSocketAddress listen) throws IOException {
        return new MinionMetrics(listen);
    }

    /** The port it serves on (the real one when port 0 was asked for). */
    int port() {
        return server.getPort();
    }

    /** Where the server's connection and handshake counts come from, once it serves. */
    void transport(Supplier<RpcServer.Stats> source) {
        transport = source;
    }

    private RpcServer.Stats stats() {
        Supplier<RpcServer.Stats> s = transport;
        return s == null ? null : s.get();
    }

    @Override
    public void call(String method, String code) {
        calls.labelValues(method, code).inc();
    }

    @Override
    public void job(String module, String method, double seconds, JobState end, int faultCode) {
        jobSeconds.labelValues(module, method).observe(seconds);
        if (end == JobState.FAILED) {
            (faultCode == Faults.TIMEOUT ? jobTimeouts : jobErrors).labelValues(module, method).inc();
        }
    }

    @Override
    public void commit(double seconds) {
        commits.observe(seconds);
    }

    @Override
    public void pools(Supplier<Map<String, PoolGauge>> source) {
        pools = source;
    }

    @Override
    public void close() {
        server.close();
    }
}
