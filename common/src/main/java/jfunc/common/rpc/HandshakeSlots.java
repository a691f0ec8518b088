package jfunc.common.rpc;

import java.util.Iterator;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * At most {@link #MAX} TLS handshakes at once. A handshake holds its thread until it ends or its
 * deadline passes, so without a limit peers sending one byte each (no certificate needed) could
 * take every connection thread; past the limit new connections wait here, holding no thread.
 * Connections are started by the listener's thread only; slots are released by any thread.
 */
final class HandshakeSlots {
    static final int MAX = 32;

    /** New connections whose ClientHello is here, in blocking mode again. */
    private final Queue<ArrivingConnection> waiting = new ConcurrentLinkedQueue<>();
    private final AtomicInteger running = new AtomicInteger();

    void add(ArrivingConnection connection) {
        waiting.add(connection);
    }

    boolean anyWaiting() {
        return !waiting.isEmpty();
    }

    /** The next waiting connection, holding a slot from now on; null when none waits or no slot is free. */
    ArrivingConnection start() {
        if (running.get() >= MAX) {
            return null;
        }
        ArrivingConnection next = waiting.poll();
        if (next != null) {
            running.incrementAndGet();
        }
        return next;
    }

    /** Frees a started connection's slot; true when a connection is waiting for one. */
    boolean release() {
        running.decrementAndGet();
        return !waiting.isEmpty();
    }

    /** Closes the connections that have waited since before {@code acceptedBefore} (nanoTime). */
    void closeWaitingSince(long acceptedBefore) {
        for (Iterator<ArrivingConnection> it = waiting.iterator(); it.hasNext(); ) {
            ArrivingConnection c = it.next();
            if (acceptedBefore - c.acceptedAt > 0) {
                it.remove();
                Closeables.closeQuietly(c.channel);
            }
        }
    }

    void closeAllWaiting() {
        ArrivingConnection c;
        while ((c = waiting.poll()) != null) {
            Closeables.closeQuietly(c.channel);
        }
    }
}
