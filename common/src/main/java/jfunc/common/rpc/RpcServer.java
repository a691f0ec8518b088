package jfunc.common.rpc;

import static jfunc.common.rpc.Closeables.closeQuietly;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.time.Duration;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocketFactory;
import jfunc.common.Faults;
import jfunc.common.tls.TlsContexts;
import org.apache.xmlrpc.XmlRpcException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An XML-RPC server over HTTPS (TLS 1.3, HTTP/1.1 with keep-alive).
 *
 * <p>Threads: one selector thread ({@link HttpsListener}) accepts connections and holds idle
 * kept-alive ones, so an idle connection costs a selector key, not a thread. A connection
 * thread ({@link ConnectionExecutor}: created only when all are busy, gone after 30 s idle)
 * runs the TLS handshake and reads a request; at most {@link Options#workerThreads} calls run
 * the dispatcher at once, the others wait for a permit after their request is parsed. So
 * clients that connect, or handshake, and then send nothing hold a connection thread for at
 * most 30 s and never a call worker.
 *
 * <p>Deadlines, each for a whole phase (a watchdog closes a connection past it, so a peer
 * sending a byte now and then cannot hold a thread): a new connection has 30 s from connecting
 * for its handshake and its first request head; a later head has 30 s from its first byte; a
 * body or a reply has 30 s plus 1 s per 64 KiB. A call itself has no deadline here. Silent new
 * connections are closed after 30 s, idle kept-alive ones after 60 s.
 *
 * <p>Every request: POST only (405), a Content-Length is required (411) and capped
 * ({@link Options#maxBodyBytes}: 413 before a byte of the body is read); parsed by the hardened
 * parser with extensions off; dispatched to the {@link RpcDispatcher} with the caller's
 * certificate name; the result converted by {@link jfunc.common.WireValues}.
 *
 * <p>Why not the JDK's {@code com.sun.net.httpserver}: its TLS runs over an engine with
 * per-connection buffers of about 70 KB, and each new connection cost about 0.6 ms more (a
 * one-class probe, stop 11); blocking TLS over a plain socket is both simpler and cheaper here.
 */
public final class RpcServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RpcServer.class);
    /** After refusing a request, how much of its body is read and dropped so the client sees the reply. */
    private static final long DISCARD_BYTES = 1024 * 1024;
    private static final long DISCARD_MILLIS = 1_000;

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
    private final long headNanos;
    private final SSLContext tls;
    private volatile SSLSocketFactory tlsSockets; // made on the first connection: see newConnection()
    private SSLParameters tlsParameters;          // written before tlsSockets, read after it
    private final ConnectionExecutor threads;
    private final StreamServer xmlrpc;
    private final Set<ServerConnection> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger callsInProgress = new AtomicInteger();
    private HttpsListener listener;
    private volatile boolean stopping;

    private RpcServer(Options options, SSLContext tls, RpcDispatcher dispatcher) {
        this.options = options;
        this.headNanos = options.requestTimeout().toNanos();
        this.tls = tls;
        this.threads = new ConnectionExecutor(Math.max(128, options.workerThreads() * 4), threads(options.name()));
        this.xmlrpc = new StreamServer(limited(dispatcher, options.workerThreads()));
    }

    /**
     * Binds and starts serving. Throws {@link java.net.BindException} (message names the
     * address) when the port is taken.
     */
    public static RpcServer start(Options options, SSLContext tls, RpcDispatcher dispatcher) throws IOException {
        RpcServer server = new RpcServer(options, tls, dispatcher);
        server.listener = HttpsListener.open(options.listen(), options.backlog(), server.headNanos,
                server.new Handler(), options.name());
        server.listener.start();
        log.info("{} listening on {} (TLS 1.3, client certificate {})", options.name(), server.address(),
                options.requireClientCert() ? "required" : "not required");
        return server;
    }

    /** The bound address (with the real port when 0 was asked for). */
    public InetSocketAddress address() {
        return listener.address();
    }

    public Options options() {
        return options;
    }

    /**
     * Stops accepting and closes idle connections, gives calls in progress up to
     * {@code graceSeconds} to answer, then closes every connection.
     */
    public void stop(int graceSeconds) {
        stopping = true;
        listener.stop();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Math.max(0, graceSeconds));
        while (callsInProgress.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        open.forEach(ServerConnection::abort); // a thread blocked reading one fails at once
        threads.shutdown();
        try {
            if (!threads.awaitTermination(1, TimeUnit.SECONDS)) {
                threads.shutdownNow();
            }
        } catch (InterruptedException e) {
            threads.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop(0);
    }

    /** What the listener hands over; each runs on a connection thread. */
    private final class Handler implements HttpsListener.Handler {
        @Override
        public void accepted(SocketChannel channel, long acceptedAt, byte[] firstRecord) {
            threads.execute(() -> serveNew(channel, acceptedAt, firstRecord), channel);
        }

        @Override
        public void resumed(ServerConnection connection) {
            threads.execute(() -> serve(connection, System.nanoTime() + headNanos), connection);
        }

        @Override
        public void expired(ServerConnection connection) {
            threads.execute(() -> close(connection), connection);
        }

        @Override
        public void tick(long now) {
            for (ServerConnection c : open) {
                if (!c.isOpen()) {
                    open.remove(c); // closed where the set is not at hand (e.g. parking while stopping)
                } else if (c.overdue(now)) {
                    log.debug("connection from {} too slow for its deadline: closed", c.remote);
                    c.abort();
                }
            }
            threads.kick();
        }
    }

    private void serveNew(SocketChannel channel, long acceptedAt, byte[] firstRecord) {
        ServerConnection connection;
        try {
            connection = handshake(channel, firstRecord, acceptedAt + headNanos);
        } finally {
            listener.handshakeDone();
        }
        if (connection != null) {
            serve(connection, acceptedAt + headNanos);
        }
    }

    /** Sets up TLS on a new connection; null when that failed (the channel is then closed). */
    private ServerConnection handshake(SocketChannel channel, byte[] firstRecord, long deadline) {
        ServerConnection connection;
        try {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true); // no Nagle delay on small replies
            connection = newConnection(channel, firstRecord);
        } catch (IOException | RuntimeException e) {
            log.debug("cannot set up an accepted connection: {}", e.toString());
            closeQuietly(channel);
            return null;
        }
        connection.setDeadline(deadline);
        open.add(connection);
        if (stopping) {
            close(connection);
            return null;
        }
        try {
            connection.handshake(deadline);
            return connection;
        } catch (IOException | RuntimeException e) {
            // a client we do not trust, a scanner, plain HTTP to the TLS port, a revoked certificate
            log.debug("TLS handshake with {} failed: {}", connection.remote, e.toString());
            close(connection);
            return null;
        }
    }

    /** Answers requests on one connection until it closes or parks between requests. */
    private void serve(ServerConnection connection, long deadline) {
        try {
            while (true) {
                connection.setDeadline(deadline);
                RequestHead head = connection.readHead(deadline);
                if (head == null) {
                    close(connection);
                    return;
                }
                boolean again;
                callsInProgress.incrementAndGet(); // from here stop(grace) waits for the reply
                try {
                    again = answer(connection, head) && !stopping;
                } finally {
                    callsInProgress.decrementAndGet();
                }
                if (!again) {
                    close(connection);
                    return;
                }
                if (!connection.hasBufferedInput()) {
                    connection.clearDeadline();
                    listener.park(connection);
                    return;
                }
                deadline = System.nanoTime() + headNanos;
            }
        } catch (RequestHead.BadRequest e) {
            try {
                connection.replyText(e.status, reason(e.status), e.getMessage(), true);
                connection.discardInput(DISCARD_BYTES, DISCARD_MILLIS);
            } catch (IOException | RuntimeException ignored) {
                // closing anyway
            }
            close(connection);
        } catch (IOException | RuntimeException e) {
            log.debug("connection from {} closed: {}", connection.remote, e.toString());
            close(connection);
        }
    }

    /** Answers one request; returns whether the connection may carry another. */
    private boolean answer(ServerConnection connection, RequestHead head) throws IOException {
        if (stopping) { // a call that may outlast the grace would be cut off without a reply
            throw new RequestHead.BadRequest(503, "server stopping: try again later");
        }
        if (!"POST".equals(head.method())) {
            throw new RequestHead.BadRequest(405, "jfunc speaks XML-RPC: POST text/xml");
        }
        if (head.chunked()) {
            throw new RequestHead.BadRequest(411, "send the request body with a Content-Length"
                    + " (chunked request bodies are not accepted)");
        }
        if (head.contentLength() < 0) {
            throw new RequestHead.BadRequest(411, "a Content-Length is required");
        }
        if (head.contentLength() > options.maxBodyBytes()) {
            // refused before reading a byte of it; the connection is closed after the reply
            throw new RequestHead.BadRequest(413, "request body of " + head.contentLength()
                    + " bytes exceeds the limit of " + options.maxBodyBytes());
        }
        if (head.expectContinue()) {
            connection.sendContinue();
        }
        ServerConnection.Body body = connection.body(head.contentLength());
        connection.setDeadline(connection.transferDeadline(headNanos, head.contentLength()));
        StreamServer.Connection exchange = new StreamServer.Connection(connection, body,
                head.keepAlive() && !stopping && listener.hasRoomToPark(), headNanos);
        try {
            xmlrpc.execute(new StreamServer.CallConfig(connection), exchange); // no deadline while the call runs
        } catch (XmlRpcException e) {
            log.debug("reply to {} not sent: {}", connection.remote, e.getMessage());
            return false;
        }
        return exchange.keptAlive();
    }

    /**
     * Wraps an accepted channel in TLS. The socket factory and parameters are made on the first
     * connection, not at start: the default parameters load most of the TLS code, about 6 MB of
     * an idle minion's memory.
     */
    private ServerConnection newConnection(SocketChannel channel, byte[] firstRecord) throws IOException {
        SSLSocketFactory sockets = tlsSockets;
        if (sockets == null) {
            synchronized (this) {
                if (tlsSockets == null) {
                    SSLParameters p = tls.getDefaultSSLParameters();
                    p.setProtocols(new String[] {TlsContexts.PROTOCOL});
                    p.setNeedClientAuth(options.requireClientCert());
                    tlsParameters = p;
                    tlsSockets = tls.getSocketFactory();
                }
                sockets = tlsSockets;
            }
        }
        return new ServerConnection(channel, firstRecord, sockets, tlsParameters);
    }

    private void close(ServerConnection connection) {
        open.remove(connection);
        connection.close();
    }

    static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 400 -> "Bad Request";
            case 405 -> "Method Not Allowed";
            case 411 -> "Length Required";
            case 413 -> "Content Too Large";
            case 431 -> "Request Header Fields Too Large";
            case 503 -> "Service Unavailable";
            case 505 -> "HTTP Version Not Supported";
            default -> "Error";
        };
    }

    /** Lets at most {@code n} calls run the dispatcher at once. */
    private static RpcDispatcher limited(RpcDispatcher dispatcher, int n) {
        Semaphore permits = new Semaphore(n, true);
        return call -> {
            try {
                permits.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new XmlRpcException(Faults.UNAVAILABLE, "server stopping");
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
}
