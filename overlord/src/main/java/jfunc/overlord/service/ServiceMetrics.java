package jfunc.overlord.service;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.util.List;
import jfunc.overlord.CallResult;
import jfunc.overlord.MinionResult;
import jfunc.overlord.OverlordApi;
import jfunc.overlord.jobs.Job;
import jfunc.overlord.jobs.JobState;
import jfunc.overlord.jobs.JobSummary;
import jfunc.overlord.jobs.MinionJob;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's Prometheus metrics (official client 1.x), served as text on metrics_listen:
 * requests and their duration by socket method, fan-out duration by minion method, per-minion
 * outcomes of calls by kind, requests in flight, pooled connections and handshakes with minions,
 * jobs by state and watched jobs, pending re-submissions, and the standard JVM metrics.
 * Job figures are read from the store at scrape time (at most 10,000 jobs per state).
 */
final class ServiceMetrics implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ServiceMetrics.class);
    private static final int MAX_SCANNED = 10_000;

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter requests = Counter.builder().name("jfunc_service_requests")
            .help("Requests on the service socket, by method").labelNames("method").register(registry);
    private final Histogram duration = Histogram.builder().name("jfunc_service_request_seconds")
            .help("Time to answer a socket request (a call's whole fan-out), by method").labelNames("method")
            .register(registry);
    private final Gauge inFlight = Gauge.builder().name("jfunc_service_requests_in_flight")
            .help("Socket requests being answered now (long polls included)").register(registry);
    private final Counter outcomes = Counter.builder().name("jfunc_minion_results")
            .help("Per-minion outcomes of calls through the service, by kind (ok, unreachable, timeout, tls, fault, protocol)")
            .labelNames("kind").register(registry);
    private final Histogram fanouts = Histogram.builder().name("jfunc_fanout_seconds")
            .help("Time from the start of a call's fan-out to its last answer (or its timeout), by minion method")
            .labelNames("method").register(registry);
    private final Histogram store = Histogram.builder().name("jfunc_store_operation_seconds")
            .help("Job store operations (create, read, update, list, purge), waiting for the store included")
            .labelNames("operation").register(registry);
    private final java.util.Set<String> methodLabels = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final HTTPServer server;

    /** Merged requests: sync calls answered with an identical call's answer, counted by {@code merged}. */
    void countMerged(java.util.function.LongSupplier merged) {
        CounterWithCallback.builder().name("jfunc_merged_calls")
                .help("Sync calls answered with the answer of an identical call in flight (read-only methods)")
                .callback(cb -> cb.call(merged.getAsLong())).register(registry);
    }

    private ServiceMetrics(java.net.InetSocketAddress listen, OverlordApi api, JobWatches watches) throws IOException {
        JvmMetrics.builder().register(registry);
        GaugeWithCallback.builder().name("jfunc_jobs").help("Jobs in the store by state (at most 10000 counted per state)")
                .labelNames("state").callback(cb -> {
                    for (JobState s : JobState.values()) {
                        cb.call(count(api, s), s.name().toLowerCase(java.util.Locale.ROOT));
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("jfunc_jobs_watched").help("Unfinished jobs the service is following now")
                .callback(cb -> cb.call(watches.watched())).register(registry);
        GaugeWithCallback.builder().name("jfunc_resubmissions_pending")
                .help("Minions whose submission did not arrive yet and is re-sent until the job's deadline")
                .callback(cb -> cb.call(pendingResubmissions(api))).register(registry);
        GaugeWithCallback.builder().name("jfunc_pooled_connections")
                .help("Idle kept-alive TLS connections to minions, ready for the next call")
                .callback(cb -> cb.call(transport(api, 0))).register(registry);
        CounterWithCallback.builder().name("jfunc_handshakes")
                .help("TLS handshakes with minions (connections opened) since the service started")
                .callback(cb -> cb.call(transport(api, 1))).register(registry);
        server = listen == null ? null : HTTPServer.builder().hostname(listen.getHostString()).port(listen.getPort())
                .registry(registry).buildAndStart();
    }

    static ServiceMetrics start(java.net.InetSocketAddress listen, OverlordApi api, JobWatches watches) throws IOException {
        return new ServiceMetrics(listen, api, watches);
    }

    int port() {
        return server == null ? -1 : server.getPort();
    }

    void called(String method) {
        requests.labelValues(method).inc();
    }

    /** The methods, timed, counted in flight, and with the per-minion outcomes of calls counted. */
    SocketServer.Methods measured(ServiceMethods methods) {
        return (method, params) -> {
            long start = System.nanoTime();
            inFlight.inc();
            try {
                return methods.call(method, params);
            } finally {
                inFlight.dec();
                duration.labelValues(method).observe((System.nanoTime() - start) / 1e9);
            }
        };
    }

    void storeOperation(String operation, long nanos) {
        store.labelValues(operation).observe(nanos / 1e9);
    }

    /** A fan-out ended: its duration by method, and each minion's outcome by kind. */
    void fanoutEnded(String method, long nanos, CallResult result) {
        fanouts.labelValues(methodLabel(method)).observe(nanos / 1e9);
        for (MinionResult r : result.results()) {
            outcomes.labelValues(r.ok() ? "ok" : r.error().kind().name().toLowerCase(java.util.Locale.ROOT)).inc();
        }
        if (!result.stillRunning().isEmpty()) {
            outcomes.labelValues("still_running").inc(result.stillRunning().size());
        }
    }

    /** The method as a label: any caller may name any method, so at most 200 distinct ones, then "other". */
    private String methodLabel(String method) {
        if (method.length() > 64 || !method.matches("[A-Za-z0-9_.]+")) {
            return "other";
        }
        if (methodLabels.contains(method) || (methodLabels.size() < 200 && methodLabels.add(method))) {
            return method;
        }
        return "other";
    }

    private static double transport(OverlordApi api, int which) {
        long[] t = OverlordApi.transport(api);
        return t == null ? Double.NaN : t[which];
    }

    private static double count(OverlordApi api, JobState s) {
        try {
            return api.list(s, null, MAX_SCANNED).size();
        } catch (Exception e) {
            log.debug("jobs by state: {}", e.toString());
            return Double.NaN;
        }
    }

    /** Socket requests being answered now (the dashboard's health page). */
    double inFlight() {
        return inFlight.get();
    }

    /** Every metric in the Prometheus text format (the dashboard's /metrics). */
    String text() {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try {
            io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter.create().write(out, registry.scrape());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    static double pendingResubmissions(OverlordApi api) {
        try {
            List<String> ids = api.list(JobState.PARTIAL, null, 1000).stream().filter(s -> s.unfinished() > 0)
                    .map(JobSummary::id).toList();
            long n = 0;
            for (Job j : api.jobs(ids).values()) {
                n += j.minions().stream().filter(MinionJob::awaitsResubmission).count();
            }
            return n;
        } catch (Exception e) {
            log.debug("pending re-submissions: {}", e.toString());
            return Double.NaN;
        }
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
    }
}
