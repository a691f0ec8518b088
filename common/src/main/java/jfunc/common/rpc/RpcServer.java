package jfunc.common.rpc;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import jfunc.common.tls.CaTrust;
import jfunc.common.tls.TlsContexts;
import org.eclipse.jetty.server.AcceptRateLimit;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An XML-RPC server over HTTPS (TLS 1.3, HTTP/1.1 with keep-alive) on Jetty 12 core.
 *
 * <p>Threads: Jetty's selector runs TLS handshakes and waits for requests, so a connection that
 * is silent, half-way through its handshake, idle between requests or sending its body slowly
 * holds no thread. A request body is read as it arrives ({@link XmlRpcHandler}); at most
 * {@link Options#workerThreads} calls are parsed and dispatched at once, the others queue.
 *
 * <p>Limits, each applied before the next phase costs anything:
 * <ul>
 * <li>at most {@link #MAX_CONNECTIONS} connections (beyond it Jetty stops accepting until one
 *     closes) and at most {@link #ACCEPTS_PER_SECOND} accepted a second;</li>
 * <li>at most {@link #HANDSHAKES_PER_SOURCE} connections from one source address that have not
 *     finished their TLS handshake: the next is closed at once;</li>
 * <li>whole-phase deadlines ({@link ConnectionGuard}): handshake and first request within
 *     {@code requestTimeout} of connecting; the next request on a kept-alive connection within
 *     {@link #BETWEEN_REQUESTS} of the last reply; a byte now and then does not extend them;</li>
 * <li>request heads up to {@link #MAX_HEAD_BYTES} (431 beyond), a body up to
 *     {@link Options#maxBodyBytes} (413 before a byte of it is read), a body arriving slower than
 *     {@link #MIN_BODY_BYTES_PER_SECOND} once its grace has passed closes the connection;</li>
 * <li>the caller is admitted ({@link RpcDispatcher#admits}) from its certificate before the
 *     body is read, and all bodies held at once stay within a budget (fault UNAVAILABLE
 *     beyond it);</li>
 * <li>with {@link #enforceRevocation}, a new CRL closes the connections of peers it revokes, and
 *     each request on a kept-alive connection checks its peer again.</li>
 * </ul>
 * A call itself has no deadline here.
 */
public final class RpcServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RpcServer.class);
    public static final int MAX_CONNECTIONS = 10_000;
    public static final int ACCEPTS_PER_SECOND = 1_000;
    public static final int HANDSHAKES_PER_SOURCE = 64;
    public static final Duration BETWEEN_REQUESTS = Duration.ofSeconds(60);
    public static final int MAX_HEAD_BYTES = 8 * 1024;
    public static final long MIN_BODY_BYTES_PER_SECOND = 128 * 1024;
    /** Body bytes held at once beyond one largest body: room for small calls next to a big one. */
    static final long BUDGET_HEADROOM = 1024 * 1024;
    private static final long SWEEP_MILLIS = 250;

    static {
        HardenedXml.install();
    }

    /**
     * Server settings; {@link #defaults(InetSocketAddress)} gives sensible ones.
     * {@code requestTimeout} bounds a new connection's handshake and first request head (from
     * connecting), a later head, and the fixed part of a body's or reply's deadline.
     */
    public record Options(InetSocketAddress listen, String name, boolean requireClientCert,
                          long maxBodyBytes, int workerThreads, int backlog, Duration requestTimeout) {
        public static Options defaults(InetSocketAddress listen) {
            return new Options(listen, "rpc", true, 16L * 1024 * 1024, 16, 1024, Duration.ofSeconds(30));
        }

        public Options withName(String n) {
            return new Options(listen, n, requireClientCert, maxBodyBytes, workerThreads, backlog, requestTimeout);
        }

        public Options withClientCert(boolean required) {
            return new Options(listen, name, required, maxBodyBytes, workerThreads, backlog, requestTimeout);
        }

        public Options withMaxBodyBytes(long max) {
            return new Options(listen, name, requireClientCert, max, workerThreads, backlog, requestTimeout);
        }

        public Options withWorkerThreads(int n) {
            return new Options(listen, name, requireClientCert, maxBodyBytes, n, backlog, requestTimeout);
        }

        public Options withRequestTimeout(Duration t) {
            return new Options(listen, name, requireClientCert, maxBodyBytes, workerThreads, backlog, t);
        }
    }

    private final Options options;
    private final Server server;
    private final ServerConnector connector;
    private final ConnectionGuard guard;
    private final Handler handler;
    private final ThreadPoolExecutor calls;
    private final AtomicInteger inProgress = new AtomicInteger();
    private volatile boolean stopping;
    private volatile CaTrust revocation;
    private AutoCloseable crlListener;

    private RpcServer(Options options, SSLContext tls, RpcDispatcher dispatcher) {
        this.options = options;
        QueuedThreadPool threads = new QueuedThreadPool(64, 2, 30_000);
        threads.setName(options.name());
        threads.setDaemon(true);
        threads.setReservedThreads(0);
        server = new Server(threads);
        server.setStopTimeout(0);

        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setSslContext(tls);
        ssl.setIncludeProtocols(TlsContexts.PROTOCOL);
        ssl.setNeedClientAuth(options.requireClientCert());
        ssl.setEndpointIdentificationAlgorithm(null);
        ssl.setRenegotiationAllowed(false);
        SslConnectionFactory tlsFactory = new SslConnectionFactory(ssl, "http/1.1");
        tlsFactory.setEnsureSecureRequestCustomizer(false);

        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        http.setSendDateHeader(false);
        http.setRequestHeaderSize(MAX_HEAD_BYTES);
        http.setPersistentConnectionsEnabled(true);

        connector = new ServerConnector(server, 1, 1, tlsFactory, new HttpConnectionFactory(http));
        connector.setHost(options.listen().getHostString());
        connector.setPort(options.listen().getPort());
        connector.setAcceptQueueSize(options.backlog());
        connector.setIdleTimeout(BETWEEN_REQUESTS.toMillis());
        connector.setReuseAddress(true);
        long first = options.requestTimeout().toNanos();
        guard = new ConnectionGuard(first, BETWEEN_REQUESTS.toNanos(), HANDSHAKES_PER_SOURCE);
        connector.addEventListener(guard);
        server.addConnector(connector);
        server.addBean(new NetworkConnectionLimit(MAX_CONNECTIONS, connector));
        server.addBean(new AcceptRateLimit(ACCEPTS_PER_SECOND, 1, TimeUnit.SECONDS, connector));

        calls = new ThreadPoolExecutor(options.workerThreads(), options.workerThreads(), 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), threads(options.name()));
        calls.allowCoreThreadTimeOut(true);
        handler = new Handler(dispatcher, options.maxBodyBytes(), options.maxBodyBytes() + BUDGET_HEADROOM);
        server.setHandler(handler);
        ErrorHandler errors = new ErrorHandler();
        errors.setShowStacks(false);
        errors.setShowCauses(false);
        errors.setDefaultResponseMimeType("text/plain");
        server.setErrorHandler(errors);
    }

    /**
     * Binds and starts serving. Throws {@link java.net.BindException} (message names the
     * address) when the port is taken.
     */
    public static RpcServer start(Options options, SSLContext tls, RpcDispatcher dispatcher) throws IOException {
        RpcServer rpc = new RpcServer(options, tls, dispatcher);
        try {
            rpc.connector.open();
        } catch (IOException e) {
            rpc.calls.shutdownNow();
            Throwable cause = e.getCause() instanceof BindException b ? b : e;
            BindException bind = new BindException(options.listen() + ": " + cause.getMessage());
            bind.initCause(e);
            throw bind;
        }
        try {
            rpc.server.start();
        } catch (Exception e) {
            rpc.close();
            throw new IOException("cannot start the " + options.name() + " server: " + e.getMessage(), e);
        }
        rpc.sweepLater();
        log.info("{} listening on {} (TLS 1.3, client certificate {})", options.name(), rpc.address(),
                options.requireClientCert() ? "required" : "not required");
        return rpc;
    }

    /** The bound address (with the real port when 0 was asked for). */
    public InetSocketAddress address() {
        return new InetSocketAddress(options.listen().getAddress(), connector.getLocalPort());
    }

    public Options options() {
        return options;
    }

    /**
     * From now on, a new CRL in {@code trust} closes every open connection whose peer it revokes,
     * and every request on a kept-alive connection checks its peer against the current CRL
     * (HTTP 403 and the connection closed when revoked).
     */
    public void enforceRevocation(CaTrust trust) {
        revocation = trust;
        synchronized (this) {
            crlListener = trust.onCrlChange(() -> guard.closeRevoked(trust::isRevoked));
        }
        guard.closeRevoked(trust::isRevoked);
    }

    /** What the server has seen: for metrics (all counts since start). */
    public record Stats(int openConnections, long handshakesDone, long handshakesFailed, long closedByLimits,
                        long refusedForbidden, long refusedBusy, int callsInProgress) {}

    public Stats stats() {
        return new Stats(guard.openConnections(), guard.handshakesDone(), guard.handshakesFailed(),
                guard.closedByGuard(), handler.refusedForbidden(), handler.refusedBusy(), inProgress.get());
    }

    /**
     * Stops accepting, gives requests in progress up to {@code graceSeconds} to be answered, then
     * closes every connection and frees the port.
     */
    public void stop(int graceSeconds) {
        stopping = true;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Math.max(0, graceSeconds));
        while (inProgress.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        try {
            server.stop();
        } catch (Exception e) {
            log.debug("stopping {}: {}", options.name(), e.toString());
        }
        connector.close();
        calls.shutdownNow();
        synchronized (this) {
            if (crlListener != null) {
                try {
                    crlListener.close();
                } catch (Exception ignored) {
                    // only removes a listener
                }
            }
        }
    }

    @Override
    public void close() {
        stop(0);
    }

    private void sweepLater() {
        Scheduler scheduler = connector.getScheduler();
        try {
            scheduler.schedule(this::sweep, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
        } catch (RuntimeException stopped) {
            // the server is stopping
        }
    }

    private void sweep() {
        if (stopping) {
            return;
        }
        long now = System.nanoTime();
        try {
            guard.sweep(now);
            handler.sweep(now, options.requestTimeout().toNanos(), MIN_BODY_BYTES_PER_SECOND);
        } finally {
            sweepLater();
        }
    }

    /** The XML-RPC handler with this server's connection bookkeeping and revocation check. */
    private final class Handler extends XmlRpcHandler {
        Handler(RpcDispatcher dispatcher, long maxBody, long budget) {
            super(dispatcher, maxBody, budget, calls);
        }

        @Override
        protected boolean stopping() {
            return stopping;
        }

        @Override
        protected String refusal(Request request, java.security.cert.X509Certificate peer) {
            CaTrust trust = revocation;
            if (trust != null && peer != null && trust.isRevoked(peer)) {
                return "the certificate of " + jfunc.common.tls.Certs.commonName(peer) + " is revoked";
            }
            return null;
        }

        @Override
        protected void exchangeStarted(Request request) {
            inProgress.incrementAndGet();
            ConnectionGuard.requestStarted(guard.of(request.getConnectionMetaData().getConnection().getEndPoint()));
        }

        @Override
        protected void exchangeEnded(Request request) {
            guard.requestEnded(guard.of(request.getConnectionMetaData().getConnection().getEndPoint()));
            inProgress.decrementAndGet();
        }
    }

    private static ThreadFactory threads(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-worker-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
