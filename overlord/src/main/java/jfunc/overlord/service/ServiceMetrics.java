package jfunc.overlord.service;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import jfunc.overlord.OverlordApi;
import jfunc.overlord.jobs.Job;
import jfunc.overlord.jobs.JobState;
import jfunc.overlord.jobs.JobSummary;
import jfunc.overlord.jobs.MinionJob;
import org.apache.xmlrpc.XmlRpcException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's Prometheus metrics (official client 1.x), served as text on metrics_listen:
 * requests and their duration by socket method, per-minion outcomes of calls by kind, requests in
 * flight, jobs by state and watched jobs, pending re-submissions, and the standard JVM metrics.
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
    private final HTTPServer server;

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
                Object answer = methods.call(method, params);
                if (method.equals("overlord.call") && answer instanceof Map<?, ?> m) {
                    for (Object r : ServiceWire.array(m.get("results"))) {
                        Map<?, ?> result = ServiceWire.struct(r);
                        outcomes.labelValues(Boolean.TRUE.equals(result.get("ok")) ? "ok"
                                : String.valueOf(ServiceWire.struct(result.get("error")).get("kind")).toLowerCase(java.util.Locale.ROOT))
                                .inc();
                    }
                }
                return answer;
            } catch (XmlRpcException e) {
                throw e;
            } finally {
                inFlight.dec();
                duration.labelValues(method).observe((System.nanoTime() - start) / 1e9);
            }
        };
    }

    private static double count(OverlordApi api, JobState s) {
        try {
            return api.list(s, null, MAX_SCANNED).size();
        } catch (Exception e) {
            log.debug("jobs by state: {}", e.toString());
            return Double.NaN;
        }
    }

    private static double pendingResubmissions(OverlordApi api) {
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
