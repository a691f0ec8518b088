package jfunc.common.rpc;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import jfunc.common.tls.Certs;
import jfunc.common.tls.TlsContexts;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An XML-RPC server over HTTPS (TLS 1.3) on the JDK's NIO {@code HttpsServer}.
 *
 * <p>Why this shape: the JDK server holds no thread for a connection that sends nothing (idle
 * sockets cost a selector key, not a worker), bounds how long reading a request may take
 * ({@code sun.net.httpserver.maxReqTime}), and keeps connections alive, so a TLS call on a
 * reused connection costs about a millisecond.
 *
 * <p>Threads: the JDK server reads a request (and, for HTTPS, runs the TLS handshake) on its
 * executor thread, so a client that completes a handshake and then sends nothing holds that
 * thread until {@code maxReqTime}. The executor is therefore a larger pool of connection
 * threads ({@link ConnectionExecutor}: created only when all are busy, gone after 30 s idle), and only {@link Options#workerThreads}
 * calls run the dispatcher at once; the others wait for a permit after their request is parsed.
 *
 * <p>Every request: POST only; body capped ({@link Options#maxBodyBytes}); parsed by the
 * hardened parser with extensions off; dispatched to the {@link RpcDispatcher} with the
 * caller's certificate name; the result converted by {@link jfunc.common.WireValues}.
 */
public final class RpcServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RpcServer.class);

    static {
        // Read once by the JDK server when its first instance starts; set before that.
        setDefault("sun.net.httpserver.maxReqTime", "30");      // whole request headers within 30 s
        setDefault("sun.net.httpserver.nodelay", "true");       // no Nagle delay on small replies
        setDefault("sun.net.httpserver.idleInterval", "60");    // close kept-alive sockets idle 60 s
        setDefault("sun.net.httpserver.maxIdleConnections", "1000");
        HardenedXml.install();
    }

    /** Server settings; {@link #defaults(InetSocketAddress)} gives sensible ones. */
    public record Options(InetSocketAddress listen, String name, boolean requireClientCert,
                          long maxBodyBytes, int workerThreads, int backlog) {
        public static Options defaults(InetSocketAddress listen) {
            return new Options(listen, "rpc", true, 16L * 1024 * 1024, 16, 1024);
        }

        public Options withName(String n) {
            return new Options(listen, n, requireClientCert, maxBodyBytes, workerThreads, backlog);
        }

        public Options withClientCert(boolean required) {
            return new Options(listen, name, required, maxBodyBytes, workerThreads, backlog);
        }

        public Options withMaxBodyBytes(long max) {
            return new Options(listen, name, requireClientCert, max, workerThreads, backlog);
        }

        public Options withWorkerThreads(int n) {
            return new Options(listen, name, requireClientCert, maxBodyBytes, n, backlog);
        }
    }

    private final HttpsServer http;
    private final ConnectionExecutor workers;
    private final Options options;

    private RpcServer(HttpsServer http, ConnectionExecutor workers, Options options) {
        this.http = http;
        this.workers = workers;
        this.options = options;
    }

    /**
     * Binds and starts serving. Throws {@link java.net.BindException} (message names the
     * address) when the port is taken.
     */
    public static RpcServer start(Options options, SSLContext tls, RpcDispatcher dispatcher) throws IOException {
        HttpsServer http;
        try {
            http = HttpsServer.create(options.listen(), options.backlog());
        } catch (java.net.BindException e) {
            java.net.BindException named = new java.net.BindException(
                    "cannot listen on " + options.listen().getHostString() + ":" + options.listen().getPort()
                            + ": " + e.getMessage());
            named.initCause(e);
            throw named;
        }
        http.setHttpsConfigurator(new HttpsConfigurator(tls) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters p = tls.getDefaultSSLParameters();
                p.setProtocols(new String[] {TlsContexts.PROTOCOL});
                p.setNeedClientAuth(options.requireClientCert());
                params.setSSLParameters(p);
            }
        });
        ConnectionExecutor workers = new ConnectionExecutor(Math.max(128, options.workerThreads() * 4),
                threads(options.name()));
        Engine engine = new Engine(limited(dispatcher, options.workerThreads()), options.maxBodyBytes());
        http.createContext("/", exchange -> engine.handle(exchange));
        http.setExecutor(workers);
        http.start();
        RpcServer server = new RpcServer(http, workers, options);
        log.info("{} listening on {} (TLS 1.3, client certificate {})", options.name(), server.address(),
                options.requireClientCert() ? "required" : "not required");
        return server;
    }

    /** The bound address (with the real port when 0 was asked for). */
    public InetSocketAddress address() {
        return http.getAddress();
    }

    public Options options() {
        return options;
    }

    /** Stops accepting, gives running calls up to {@code graceSeconds} to finish, then stops. */
    public void stop(int graceSeconds) {
        http.stop(Math.max(0, graceSeconds));
        workers.shutdown();
        try {
            if (!workers.awaitTermination(Math.max(1, graceSeconds), TimeUnit.SECONDS)) {
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            workers.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop(0);
    }

    /** Lets at most {@code n} calls run the dispatcher at once. */
    private static RpcDispatcher limited(RpcDispatcher dispatcher, int n) {
        java.util.concurrent.Semaphore permits = new java.util.concurrent.Semaphore(n, true);
        return call -> {
            try {
                permits.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new org.apache.xmlrpc.XmlRpcException(jfunc.common.Faults.UNAVAILABLE, "server stopping");
            }
            try {
                return dispatcher.call(call);
            } finally {
                permits.release();
            }
        };
    }

    private static ThreadFactory threads(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-worker-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    private static void setDefault(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    /** The certificate name of the caller, or null when it presented none. */
    static String peerName(HttpExchange exchange) {
        if (!(exchange instanceof HttpsExchange https)) {
            return null;
        }
        try {
            Certificate[] chain = https.getSSLSession().getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate x ? Certs.commonName(x) : null;
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }

    static void sendPlain(HttpExchange exchange, int status, String text) throws IOException {
        byte[] body = (text + "\n").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** Adapts one HTTP exchange to Apache XML-RPC's stream server. */
    static final class Engine {
        private final StreamServer xmlrpc;
        private final long maxBody;

        Engine(RpcDispatcher dispatcher, long maxBody) {
            this.xmlrpc = new StreamServer(dispatcher);
            this.maxBody = maxBody;
        }

        void handle(HttpExchange exchange) throws IOException {
            try (exchange) {
                if (!"POST".equals(exchange.getRequestMethod())) {
                    exchange.getResponseHeaders().set("Allow", "POST");
                    sendPlain(exchange, 405, "jfunc speaks XML-RPC: POST text/xml");
                    return;
                }
                String length = exchange.getRequestHeaders().getFirst("Content-Length");
                if (length != null && parseLong(length) > maxBody) {
                    // Refuse before reading a byte; the connection is closed after the reply.
                    exchange.getResponseHeaders().set("Connection", "close");
                    sendPlain(exchange, 413, "request body of " + length + " bytes exceeds the limit of " + maxBody);
                    return;
                }
                StreamServer.CallConfig config = new StreamServer.CallConfig(peerName(exchange),
                        exchange.getRemoteAddress());
                InputStream body = new LimitedInputStream(exchange.getRequestBody(), maxBody);
                xmlrpc.execute(config, new StreamServer.Connection(exchange, body));
            } catch (org.apache.xmlrpc.XmlRpcException e) {
                log.debug("reply not sent: {}", e.getMessage());
            }
        }

        private static long parseLong(String s) {
            try {
                return Long.parseLong(s.trim());
            } catch (NumberFormatException e) {
                return Long.MAX_VALUE;
            }
        }
    }
}
