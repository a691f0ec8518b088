package jfunc.common.rpc;

import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Idle kept-alive connections, per endpoint (name, host and port), for one {@link RpcClient}.
 *
 * <p>A connection idle for {@link #MAX_IDLE_NANOS} is closed instead of reused: servers close
 * theirs after 60 s, and a POST must never be sent on a connection the server may be closing
 * (it would be lost or, re-sent, run twice). At most {@link #MAX_IDLE_CONNECTIONS} are kept, so a
 * fan-out to a large fleet does not run the process out of file descriptors. Thread-safe.
 */
final class ConnectionPool {
    static final long MAX_IDLE_NANOS = TimeUnit.SECONDS.toNanos(30);
    static final int MAX_IDLE_CONNECTIONS = 1024;
    private static final long SWEEP_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final Map<RpcClient.Endpoint, Deque<HttpConnection>> idle = new ConcurrentHashMap<>();
    private final AtomicInteger count = new AtomicInteger();
    private volatile long lastSweep = System.nanoTime();

    /** How many idle connections are kept now. */
    int size() {
        return count.get();
    }

    /** An idle connection to {@code endpoint} that is still fresh enough, or null. */
    HttpConnection take(RpcClient.Endpoint endpoint) {
        Deque<HttpConnection> q = idle.get(endpoint);
        if (q == null) {
            return null;
        }
        long now = System.nanoTime();
        HttpConnection c;
        while ((c = q.pollFirst()) != null) {
            count.decrementAndGet();
            if (now - c.idleSince() < MAX_IDLE_NANOS && !c.isClosed() && !c.closedByPeer()) {
                return c;
            }
            c.close();
        }
        return null;
    }

    /** Keeps {@code c} for the next call to its endpoint (or closes it when the pool is full). */
    void give(HttpConnection c) {
        if (count.incrementAndGet() > MAX_IDLE_CONNECTIONS) {
            count.decrementAndGet();
            c.close();
            return;
        }
        idle.computeIfAbsent(c.endpoint, e -> new ConcurrentLinkedDeque<>()).offerFirst(c);
        long now = System.nanoTime();
        if (now - lastSweep > SWEEP_EVERY_NANOS) {
            lastSweep = now;
            sweep(now);
        }
    }

    /** Closes connections idle too long (the oldest sit at the end of each queue). */
    private void sweep(long now) {
        for (Deque<HttpConnection> q : idle.values()) {
            HttpConnection c;
            while ((c = q.peekLast()) != null && now - c.idleSince() >= MAX_IDLE_NANOS) {
                if (q.removeLastOccurrence(c)) {
                    count.decrementAndGet();
                    c.close();
                }
            }
        }
    }

    /** Closes every idle connection; the pool stays usable (connections given back later are kept). */
    void closeAll() {
        for (Deque<HttpConnection> q : idle.values()) {
            HttpConnection c;
            while ((c = q.pollFirst()) != null) {
                count.decrementAndGet();
                c.close();
            }
        }
    }
}
