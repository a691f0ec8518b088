package jfunc.common.rpc;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.io.ssl.SslHandshakeListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches every TLS connection of one {@link RpcServer} from accept to close, where Jetty's own
 * idle timeout (which restarts with every byte) is not enough:
 * <ul>
 * <li>a whole-phase deadline: a new connection must finish its handshake and send its first
 *     request within {@code firstRequestNanos} of being accepted; between requests, a kept-alive
 *     connection must send its next request within {@code betweenRequestsNanos} of the last
 *     reply, however slowly it trickles bytes;</li>
 * <li>at most {@code handshakesPerSource} connections from one source address that have not
 *     finished their handshake: a new one beyond it closes the oldest of them, so a flood from
 *     an address evicts its own stale connections while a real client's handshake (milliseconds
 *     long) gets through even from the same address;</li>
 * <li>the peer certificate of each connection, so that {@link #closeRevoked} can close the
 *     connections whose peer a new CRL revokes.</li>
 * </ul>
 * Connections are keyed by their network end point (the one under TLS).
 */
final class ConnectionGuard implements Connection.Listener {
    private static final Logger log = LoggerFactory.getLogger(ConnectionGuard.class);

    private final long firstRequestNanos;
    private final long betweenRequestsNanos;
    private final int handshakesPerSource;
    private final Map<EndPoint, Tracked> open = new ConcurrentHashMap<>();
    private final Map<InetAddress, java.util.Deque<Tracked>> handshaking = new ConcurrentHashMap<>();
    private final AtomicLong handshakesDone = new AtomicLong();
    private final AtomicLong handshakesFailed = new AtomicLong();
    private final AtomicLong closedByGuard = new AtomicLong();

    ConnectionGuard(long firstRequestNanos, long betweenRequestsNanos, int handshakesPerSource) {
        this.firstRequestNanos = firstRequestNanos;
        this.betweenRequestsNanos = betweenRequestsNanos;
        this.handshakesPerSource = handshakesPerSource;
    }

    /** One connection's state; {@code deadline} 0 while a request is being served. */
    static final class Tracked {
        final SslConnection tls;
        final InetAddress source;
        final AtomicBoolean handshaking = new AtomicBoolean(true);
        volatile long deadline;
        volatile X509Certificate peer;

        Tracked(SslConnection tls, InetAddress source, long deadline) {
            this.tls = tls;
            this.source = source;
            this.deadline = deadline;
        }

        void close() {
            tls.getEndPoint().close();
        }
    }

    @Override
    public void onOpened(Connection connection) {
        if (!(connection instanceof SslConnection tls)) {
            return;
        }
        tls.addHandshakeListener(handshakes);
        InetAddress source = address(tls.getEndPoint().getRemoteSocketAddress());
        Tracked t = new Tracked(tls, source, System.nanoTime() + firstRequestNanos);
        open.put(tls.getEndPoint(), t);
        Tracked[] evicted = new Tracked[1];
        handshaking.compute(source, (a, waiting) -> { // atomic per source address
            java.util.Deque<Tracked> q = waiting == null ? new java.util.ArrayDeque<>() : waiting;
            q.addLast(t);
            if (q.size() > handshakesPerSource) {
                evicted[0] = q.pollFirst();
            }
            return q;
        });
        Tracked oldest = evicted[0];
        if (oldest != null && oldest.handshaking.compareAndSet(true, false)) {
            log.debug("{} has more than {} handshakes waiting: its oldest closed", source, handshakesPerSource);
            closedByGuard.incrementAndGet();
            oldest.close();
        }
    }

    @Override
    public void onClosed(Connection connection) {
        if (connection instanceof SslConnection tls) {
            Tracked t = open.remove(tls.getEndPoint());
            if (t != null) {
                leaveHandshake(t);
            }
        }
    }

    /** Not a bean of the connector (Jetty would add it to each connection a second time). */
    private final SslHandshakeListener handshakes = new SslHandshakeListener() {
        @Override
        public void handshakeSucceeded(Event event) {
            succeeded(event);
        }

        @Override
        public void handshakeFailed(Event event, Throwable failure) {
            failed(event, failure);
        }
    };

    private void succeeded(SslHandshakeListener.Event event) {
        handshakesDone.incrementAndGet();
        Tracked t = of(event.getEndPoint());
        if (t != null) {
            t.peer = peerOf(event.getSSLEngine());
            leaveHandshake(t);
        }
    }

    private void failed(SslHandshakeListener.Event event, Throwable failure) {
        handshakesFailed.incrementAndGet();
        log.debug("TLS handshake failed: {}", failure.toString());
        Tracked t = of(event.getEndPoint());
        if (t != null) {
            leaveHandshake(t);
        }
    }

    private void leaveHandshake(Tracked t) {
        if (t.handshaking.compareAndSet(true, false)) {
            handshaking.computeIfPresent(t.source, (a, waiting) -> {
                waiting.remove(t);
                return waiting.isEmpty() ? null : waiting;
            });
        }
    }

    /** The connection of a request's end point (the TLS end point over the network one), or null. */
    Tracked of(EndPoint endPoint) {
        EndPoint network = endPoint instanceof SslConnection.SslEndPoint s ? s.getSslConnection().getEndPoint() : endPoint;
        return open.get(network);
    }

    /** A request arrived on {@code t}: no guard deadline while it is served. */
    static void requestStarted(Tracked t) {
        if (t != null) {
            t.deadline = 0;
        }
    }

    /** Its reply went out: the next request must come within the between-requests deadline. */
    void requestEnded(Tracked t) {
        if (t != null) {
            t.deadline = System.nanoTime() + betweenRequestsNanos;
        }
    }

    /** Closes the connections past their deadline. */
    void sweep(long now) {
        for (Tracked t : open.values()) {
            long d = t.deadline;
            if (d != 0 && now - d > 0) {
                log.debug("connection from {} past its deadline: closed", t.source);
                closedByGuard.incrementAndGet();
                t.close();
            }
        }
    }

    /** Closes every connection whose peer certificate {@code revoked} says is revoked; returns how many. */
    int closeRevoked(Predicate<X509Certificate> revoked) {
        int n = 0;
        for (Tracked t : open.values()) {
            X509Certificate p = t.peer;
            if (p != null && revoked.test(p)) {
                log.info("closing the connection of {} from {}: its certificate is revoked",
                        jfunc.common.tls.Certs.commonName(p), t.source);
                t.close();
                n++;
            }
        }
        return n;
    }

    int openConnections() {
        return open.size();
    }

    long handshakesDone() {
        return handshakesDone.get();
    }

    long handshakesFailed() {
        return handshakesFailed.get();
    }

    long closedByGuard() {
        return closedByGuard.get();
    }

    static X509Certificate peerOf(SSLEngine engine) {
        try {
            Certificate[] chain = engine.getSession().getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate x ? x : null;
        } catch (SSLPeerUnverifiedException e) {
            return null; // a port that does not ask for a certificate
        }
    }

    private static InetAddress address(SocketAddress a) {
        return a instanceof InetSocketAddress i ? i.getAddress() : InetAddress.getLoopbackAddress();
    }
}
