package jfunc.common.rpc;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import jfunc.common.tls.Certs;
import jfunc.common.tls.TlsContexts;
import org.apache.xmlrpc.XmlRpcException;
import org.apache.xmlrpc.client.XmlRpcClientException;
import org.apache.xmlrpc.client.XmlRpcHttpTransportException;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.xml.sax.SAXException;

/**
 * Calls jfunc servers over HTTPS, on Jetty's non-blocking HttpClient. One instance per process
 * and TLS identity: it keeps a pool of connections per endpoint, so a repeated call costs well
 * under a millisecond instead of a full handshake, and a call in flight holds no thread (only
 * {@link #call} blocks its caller; {@link #callAsync} does not). {@link #close()} closes them.
 *
 * <p>Each call has one total deadline, from its start to its whole reply; when it passes the
 * call is aborted (its connection closed) and fails as a timeout. A call is never sent twice: a
 * connection that breaks under a call fails the call.
 *
 * <p>Safety: extensions off; the reply parser drops {@code faultCause} (CVE-2019-17570: never
 * deserialise what a server sends) and refuses nesting deeper than the hardened parser allows;
 * a reply is capped ({@code maxReplyBytes}, a declared larger length is refused before its body),
 * and the replies held at once across all calls are capped too ({@link #REPLY_BUDGET_FACTOR}
 * times the per-reply cap), so many big replies at once cannot exhaust the heap; the server's
 * certificate must name the peer we meant to call (its CN or SAN), since minions are addressed
 * by name, not by host. Thread-safe.
 */
public final class RpcClient implements AutoCloseable {
    static {
        HardenedXml.install();
    }

    /** Replies held at once may take this many times the per-reply cap. */
    public static final int REPLY_BUDGET_FACTOR = 4;
    /**
     * Connections kept idle at most this long: a little less than a minion keeps one
     * ({@link RpcServer#BETWEEN_REQUESTS}), so the client always lets go first and never sends a
     * call on a connection the minion is closing. Anything that calls a minion more often than
     * this (the service's heartbeat) keeps its connection warm.
     */
    public static final Duration IDLE = RpcServer.BETWEEN_REQUESTS.minusSeconds(5);
    private static final int MAX_ERROR_TEXT = 512;

    /** Where to call: the expected certificate name (null: any name our trust accepts), host and port. */
    public record Endpoint(String name, String host, int port) {
        @Override
        public String toString() {
            return (name == null ? "" : name + "@") + host + ":" + port;
        }
    }

    /**
     * What the client holds and did, for metrics: idle kept-alive connections now, and connections
     * opened since it was made (each one TLS handshake, full or resumed); calls in flight and reply
     * bytes held now.
     */
    public record ClientStats(int pooledConnections, long connectionsOpened, long callsInFlight, long replyBytesHeld) {}

    private final SSLContext tls;
    private final Duration connectTimeout;
    private final Duration replyTimeout;
    private final long maxReplyBytes;
    private final long replyBudget;
    /** Minion name (lower case) and port → the host it lives on: calls go to https://NAME:PORT. */
    private final Map<String, String> hosts = new ConcurrentHashMap<>();
    private final AtomicLong replyBytesHeld = new AtomicLong();
    private final AtomicLong handshakesDone = new AtomicLong();
    private final AtomicLong callsInFlight = new AtomicLong();
    private HttpClient http;

    public RpcClient(SSLContext tls, Duration connectTimeout, Duration replyTimeout) {
        this(tls, connectTimeout, replyTimeout, 64L * 1024 * 1024);
    }

    public RpcClient(SSLContext tls, Duration connectTimeout, Duration replyTimeout, long maxReplyBytes) {
        this.tls = tls;
        this.connectTimeout = connectTimeout;
        this.replyTimeout = replyTimeout;
        this.maxReplyBytes = maxReplyBytes;
        this.replyBudget = maxReplyBytes * REPLY_BUDGET_FACTOR;
    }

    /** Calls one method with the client's default deadline. */
    public Object call(Endpoint endpoint, String method, Object... params) throws XmlRpcException {
        return call(endpoint, replyTimeout, method, params);
    }

    /**
     * Calls one method; {@code timeout} is its total deadline (a long poll passes a longer one).
     * A kept-alive connection to the endpoint is reused when there is one.
     */
    public Object call(Endpoint endpoint, Duration timeout, String method, Object... params) throws XmlRpcException {
        CompletableFuture<Object> reply = callAsync(endpoint, timeout, method, params);
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return reply.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                    reply.cancel(true);
                } catch (CancellationException e) {
                    throw new XmlRpcClientException("call failed: interrupted", e);
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof XmlRpcException x) {
                        throw x;
                    }
                    throw new XmlRpcClientException(describe(e.getCause()), e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Starts a call and returns at once. The future completes with the value, or exceptionally
     * with an XmlRpcException (a fault with its code, or an XmlRpcClientException whose cause
     * {@link CallError#of} classifies). Cancelling it aborts the call.
     */
    public CompletableFuture<Object> callAsync(Endpoint endpoint, Duration timeout, String method, Object... params) {
        byte[] body;
        try {
            body = request(method, params);
        } catch (XmlRpcException e) {
            return CompletableFuture.failedFuture(e);
        }
        return callAsync(endpoint, timeout, body);
    }

    /**
     * The request body of {@code method(params...)}, for {@link #callAsync(Endpoint, Duration, byte[])}:
     * a fan-out that sends one call to many servers encodes it once (a 4 MiB file chunk to ten
     * minions is one base64 encoding, not ten). XmlRpcException as callAsync's future would carry.
     */
    public static byte[] requestBody(String method, Object... params) throws XmlRpcException {
        return request(method, params);
    }

    /** As {@link #callAsync(Endpoint, Duration, String, Object...)} with a body from {@link #requestBody}; the array is not changed. */
    public CompletableFuture<Object> callAsync(Endpoint endpoint, Duration timeout, byte[] body) {
        CompletableFuture<Object> future = new CompletableFuture<>();
        HttpClient client;
        try {
            client = http();
        } catch (IOException e) {
            future.completeExceptionally(new XmlRpcClientException(describe(e), e));
            return future;
        }
        String host = endpoint.host();
        if (endpoint.name() != null) { // the name is the URI's host, so TLS checks it (see nameCheck)
            host = endpoint.name().toLowerCase(Locale.ROOT);
            hosts.put(host + ":" + endpoint.port(), endpoint.host());
        }
        long ms = Math.max(1, timeout.toMillis());
        Request req = client.newRequest(URI.create("https://" + bracket(host) + ":" + endpoint.port() + "/RPC2"))
                .method(HttpMethod.POST)
                .body(new BytesRequestContent("text/xml", body))
                .timeout(ms, TimeUnit.MILLISECONDS)
                .idleTimeout(ms, TimeUnit.MILLISECONDS);
        callsInFlight.incrementAndGet();
        Reply reply = new Reply(future, ms);
        future.whenComplete((v, x) -> {
            if (x instanceof CancellationException) {
                req.abort(x);
            }
        });
        req.send(reply);
        return future;
    }

    /**
     * Closes the kept-alive connections (and aborts calls in flight). The client stays usable:
     * new calls connect anew and their connections are kept alive again.
     */
    @Override
    public void close() {
        HttpClient h;
        synchronized (this) {
            h = http;
            http = null;
        }
        if (h != null) {
            try {
                apartFromCaller("stop", h::stop);
            } catch (Exception e) {
                // closing anyway
            }
        }
    }

    /**
     * Runs a Jetty start or stop on a thread of its own and waits for it. An interrupt of the
     * caller that arrives meanwhile must not reach Jetty: its lifecycle code swallows it (and an
     * interrupted start leaves a client that never sends), so it is kept and set again after.
     */
    private static void apartFromCaller(String what, LifecycleStep step) throws Exception {
        java.util.concurrent.FutureTask<Void> task = new java.util.concurrent.FutureTask<>(() -> {
            step.run();
            return null;
        });
        Thread t = new Thread(task, "jfunc-rpc-client-" + what);
        t.setDaemon(true);
        t.start();
        boolean interrupted = Thread.interrupted();
        try {
            while (true) {
                try {
                    task.get();
                    return;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof Exception x) {
                        throw x;
                    }
                    throw e;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    public ClientStats stats() {
        HttpClient h;
        synchronized (this) {
            h = http;
        }
        int idle = 0;
        if (h != null) {
            for (org.eclipse.jetty.client.Destination d : h.getDestinations()) {
                if (d.getConnectionPool() instanceof org.eclipse.jetty.client.AbstractConnectionPool p) {
                    idle += p.getIdleConnectionCount();
                }
            }
        }
        return new ClientStats(idle, handshakesDone.get(), callsInFlight.get(), replyBytesHeld.get());
    }

    private synchronized HttpClient http() throws IOException {
        if (http != null) {
            return http;
        }
        QueuedThreadPool threads = new QueuedThreadPool(32, 1, 30_000);
        threads.setName("jfunc-rpc-client");
        threads.setDaemon(true);
        threads.setReservedThreads(0);
        SslContextFactory.Client ssl = new SslContextFactory.Client() {
            @Override
            protected void checkEndPointIdentificationAlgorithm() {
                // Jetty warns when none is set; nameMatches checks the minion name instead
            }
        };
        ssl.setSslContext(tls);
        ssl.setIncludeProtocols(TlsContexts.PROTOCOL);
        ssl.setEndpointIdentificationAlgorithm(null); // the name check below, against the minion name
        ssl.setHostnameVerifier(this::nameMatches);
        ClientConnector connector = new ClientConnector();
        connector.setExecutor(threads);
        connector.setSelectors(1);
        connector.setSslContextFactory(ssl);
        connector.setTCPNoDelay(true);
        connector.setIdleTimeout(IDLE);
        connector.setConnectTimeout(connectTimeout);
        HttpClient h = new HttpClient(new HttpClientTransportOverHTTP(connector));
        h.setExecutor(threads);
        h.setConnectTimeout(connectTimeout.toMillis());
        h.setIdleTimeout(IDLE.toMillis());
        h.setFollowRedirects(false);
        h.setUserAgentField(new HttpField(HttpHeader.USER_AGENT, "jfunc"));
        h.setHttpCookieStore(new HttpCookieStore.Empty());
        h.setMaxConnectionsPerDestination(32);
        h.setMaxRequestsQueuedPerDestination(4096);
        h.setDestinationIdleTimeout(IDLE.toMillis() * 2);
        h.setMaxResponseHeadersSize(16 * 1024);
        h.setSocketAddressResolver((host, port, context, promise) -> {
            String alias = hosts.get(host.toLowerCase(Locale.ROOT) + ":" + port);
            String real = alias == null ? host : alias;
            String name = alias == null ? null : host; // TLS takes its peer host from the address's name
            if (isLiteral(real)) {
                resolve(real, name, port, promise); // no lookup: at once
            } else {
                threads.execute(() -> resolve(real, name, port, promise)); // DNS may block: not on the selector
            }
        });
        h.getContentDecoderFactories().clear(); // no Accept-Encoding: replies come as sent
        try {
            apartFromCaller("start", h::start);
        } catch (Exception e) {
            throw new IOException("cannot start the HTTP client: " + e.getMessage(), e);
        }
        http = h;
        return h;
    }

    /**
     * After each handshake (Jetty asks before the request is sent): when we called by minion
     * name (the URI's host), the server's certificate must be for that name, CN or SAN.
     */
    private boolean nameMatches(String host, javax.net.ssl.SSLSession session) {
        handshakesDone.incrementAndGet();
        if (host == null || !hosts.containsKey(host.toLowerCase(Locale.ROOT) + ":" + session.getPeerPort())) {
            return true; // called by host, not by name: any certificate our trust accepts
        }
        try {
            Certificate[] chain = session.getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate x && Certs.isFor(x, host);
        } catch (SSLPeerUnverifiedException e) {
            return false;
        }
    }

    /** A start or stop of the HTTP client. */
    private interface LifecycleStep {
        void run() throws Exception;
    }

    /** A reply that began but broke off or could not be read as HTTP. */
    static final class ReplyBroken extends IOException {
        ReplyBroken(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A kept-alive connection that closed under a call, before any reply. */
    static final class ConnectionLost extends java.net.SocketException {
        ConnectionLost(String message) {
            super(message);
        }
    }

    /** Connections that have carried a whole reply (weakly held: they go when Jetty drops them). */
    private final java.util.Set<org.eclipse.jetty.client.Connection> served =
            Collections.synchronizedSet(Collections.newSetFromMap(new java.util.WeakHashMap<>()));

    /** What a failed call's cause means to a user; see {@link CallError#of}. */
    private Throwable explain(Throwable why, Result result, boolean begun, long timeoutMillis) {
        for (Throwable c = why; c != null; c = c.getCause()) {
            if (c instanceof java.util.concurrent.TimeoutException) {
                return new java.net.SocketTimeoutException("no answer within " + timeoutMillis + " ms");
            }
            if (c instanceof ReplyTooLarge || c instanceof SSLException || c instanceof java.net.ConnectException
                    || c instanceof java.net.UnknownHostException || c instanceof java.net.NoRouteToHostException
                    || c instanceof CancellationException) {
                return c;
            }
        }
        for (Throwable c = why; c != null; c = c.getCause()) {
            if (c instanceof org.eclipse.jetty.http.BadMessageException
                    || c instanceof org.eclipse.jetty.client.HttpResponseException) {
                return new ReplyBroken("malformed reply: " + c.getMessage(), why);
            }
        }
        if (begun) {
            return new ReplyBroken("the reply was cut short or malformed (the connection closed or the HTTP was"
                    + " invalid after the status line)", why);
        }
        org.eclipse.jetty.client.Connection c = result.getRequest().getConnection();
        if (c != null && served.contains(c)) {
            return new ConnectionLost("the server closed a kept-alive connection before answering (stopped or restarted?)");
        }
        return new SSLException("the server closed the connection before answering: it refused our certificate"
                + " (revoked, unknown or not allowed?), or it stopped", why);
    }

    /** A reply too large for its cap, or for the replies held at once. */
    static final class ReplyTooLarge extends IOException {
        ReplyTooLarge(String message) {
            super(message);
        }
    }

    /** Collects one reply within its caps, then parses it (on a client thread). */
    private final class Reply implements Response.Listener {
        private final CompletableFuture<Object> future;
        private final long timeoutMillis;
        private final List<byte[]> chunks = new ArrayList<>();
        private long size;
        private long held;
        private volatile boolean begun;

        Reply(CompletableFuture<Object> future, long timeoutMillis) {
            this.future = future;
            this.timeoutMillis = timeoutMillis;
        }

        @Override
        public void onBegin(Response response) {
            begun = true;
        }

        @Override
        public void onHeaders(Response response) {
            long length = response.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
            if (response.getStatus() == 200 && length > maxReplyBytes) {
                response.abort(new ReplyTooLarge("the reply of " + length + " bytes exceeds the limit of "
                        + maxReplyBytes + " bytes"));
            }
        }

        @Override
        public void onContent(Response response, ByteBuffer content) {
            int n = content.remaining();
            if (response.getStatus() != 200) { // keep the start of the server's text only
                n = (int) Math.min(n, Math.max(0, MAX_ERROR_TEXT - size));
            } else if (size + n > maxReplyBytes) {
                response.abort(new ReplyTooLarge("the reply exceeds the limit of " + maxReplyBytes + " bytes"));
                return;
            } else if (replyBytesHeld.addAndGet(n) > replyBudget) {
                replyBytesHeld.addAndGet(-n);
                response.abort(new ReplyTooLarge("replies in progress exceed " + replyBudget
                        + " bytes at once: this one was dropped"));
                return;
            } else {
                held += n;
            }
            byte[] b = new byte[n];
            content.get(b);
            chunks.add(b);
            size += n;
        }

        @Override
        public void onComplete(Result result) {
            callsInFlight.decrementAndGet();
            try {
                if (result.isFailed()) {
                    Throwable why = explain(result.getFailure(), result, begun, timeoutMillis);
                    future.completeExceptionally(new XmlRpcClientException(describe(why), why));
                    return;
                }
                Response r = result.getResponse();
                org.eclipse.jetty.client.Connection used = result.getRequest().getConnection();
                if (used != null) {
                    served.add(used);
                }
                if (r.getStatus() != 200) {
                    String said = new String(bytes(), StandardCharsets.UTF_8).strip();
                    String reason = r.getReason() == null ? "" : r.getReason();
                    future.completeExceptionally(new XmlRpcHttpTransportException(r.getStatus(), reason,
                            "HTTP " + r.getStatus() + " " + reason + (said.isEmpty() ? "" : ": " + said)));
                    return;
                }
                XmlRpcMessages.SafeResponseParser answer = parse(body());
                chunks.clear();
                if (answer.isSuccess()) {
                    future.complete(answer.getResult());
                } else {
                    future.completeExceptionally(new XmlRpcException(answer.getErrorCode(), answer.getErrorMessage()));
                }
            } catch (XmlRpcException e) {
                future.completeExceptionally(e);
            } catch (RuntimeException | Error e) { // a reply must never take the caller down
                future.completeExceptionally(new XmlRpcClientException("the reply could not be read: " + e, e));
            } finally {
                replyBytesHeld.addAndGet(-held);
                held = 0;
            }
        }

        private InputStream body() {
            List<InputStream> parts = new ArrayList<>(chunks.size());
            for (byte[] c : chunks) {
                parts.add(new java.io.ByteArrayInputStream(c));
            }
            return new SequenceInputStream(Collections.enumeration(parts));
        }

        private byte[] bytes() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (byte[] c : chunks) {
                out.writeBytes(c);
            }
            return out.toByteArray();
        }
    }

    private static byte[] request(String method, Object[] params) throws XmlRpcException {
        try {
            return XmlRpcMessages.requestBody(method, params == null ? new Object[0] : params);
        } catch (SAXException e) {
            Exception inner = e.getException();
            if (inner instanceof XmlRpcException x) {
                throw x;
            }
            throw new XmlRpcClientException("cannot send this call: " + e.getMessage(), inner != null ? inner : e);
        }
    }

    /** Reads a whole reply: its value or its fault. */
    private static XmlRpcMessages.SafeResponseParser parse(InputStream body) throws XmlRpcException {
        try {
            return XmlRpcMessages.readReply(body);
        } catch (SAXException e) {
            throw new XmlRpcClientException("not an XML-RPC reply: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new XmlRpcClientException("failed to read the reply: " + e.getMessage(), e);
        }
    }

    private static String describe(Throwable e) {
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return "call failed: " + msg;
    }

    /** {@code host}'s addresses; with {@code name}, each carries it as its host name (for TLS's peer host and SNI). */
    private static void resolve(String host, String name, int port, Promise<List<InetSocketAddress>> promise) {
        try {
            List<InetSocketAddress> all = new ArrayList<>();
            for (java.net.InetAddress a : java.net.InetAddress.getAllByName(host)) {
                java.net.InetAddress named = name == null ? a : java.net.InetAddress.getByAddress(name, a.getAddress());
                all.add(new InetSocketAddress(named, port));
            }
            promise.succeeded(all);
        } catch (java.net.UnknownHostException e) {
            promise.failed(e);
        }
    }

    private static boolean isLiteral(String host) {
        return host.indexOf(':') >= 0 || host.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'));
    }

    private static String bracket(String host) {
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }
}
