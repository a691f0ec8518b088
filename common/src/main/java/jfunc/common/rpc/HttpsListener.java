package jfunc.common.rpc;

import static jfunc.common.rpc.Closeables.closeQuietly;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's one selector thread. It accepts connections and holds every connection that has
 * nothing to read: a new one until its first bytes (the TLS ClientHello) arrive, a kept-alive
 * one between requests ("parked"). So a silent or idle connection costs a selector key, never
 * a thread.
 *
 * <p>A connection is served on a connection thread in blocking mode (TLS over a plain socket is
 * simpler and cheaper than an engine). When bytes arrive for a waiting channel, its key is
 * cancelled and flushed, the channel turns blocking again and is handed over. A new connection
 * silent for the request timeout (30 s), or a parked one idle for 60 s, is closed (a parked one with a TLS
 * close_notify, which the client sees before reusing it).
 */
final class HttpsListener implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(HttpsListener.class);
    static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final long SWEEP_MILLIS = 1_000;
    /** Parked connections beyond this are closed rather than kept (each holds TLS state and a descriptor). */
    static final int MAX_PARKED = 1_000;
    /** How long accepting pauses after accept() failed (e.g. no file descriptor left). */
    private static final long ACCEPT_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    private static final long WARN_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

    /** Where connections go; each call should only hand work to another thread. */
    interface Handler {
        /** A new connection whose first TLS record has arrived (blocking mode again). */
        void accepted(SocketChannel channel, long acceptedAt, byte[] firstRecord);

        /** A parked connection whose next request has started to arrive. */
        void resumed(ServerConnection connection);

        /** A parked connection idle too long, to be closed (closing writes a TLS alert). */
        void expired(ServerConnection connection);

        /** Called about once a second, for deadlines that are not the listener's. */
        void tick(long now);
    }

    private final ServerSocketChannel server;
    private final Selector selector;
    private final SelectionKey acceptKey;
    private final Handler handler;
    /** A new connection that sends nothing is dropped after this. */
    private final long silentNanos;
    private final Queue<ServerConnection> toPark = new ConcurrentLinkedQueue<>();
    private final HandshakeSlots handshakes = new HandshakeSlots();
    private final List<Object> ready = new ArrayList<>();
    private final Consumer<SelectionKey> onReady = this::onReady;
    private final Thread thread;
    private volatile boolean stopping;
    private volatile boolean dead;
    private long lastSweep = System.nanoTime();
    private long acceptPausedUntil;
    private long lastAcceptWarning;
    private volatile int parked;

    private HttpsListener(ServerSocketChannel server, Selector selector, SelectionKey acceptKey, long silentNanos,
                          Handler handler, String name) {
        this.silentNanos = silentNanos;
        this.server = server;
        this.selector = selector;
        this.acceptKey = acceptKey;
        this.handler = handler;
        this.thread = new Thread(this, name + "-listener");
        // Not a daemon: like the JDK's server, a listening server keeps its process alive.
        this.thread.setDaemon(false);
    }

    /** Binds; the message of a BindException names the address. {@link #start()} starts accepting. */
    static HttpsListener open(InetSocketAddress address, int backlog, long silentNanos, Handler handler, String name)
            throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open();
        try {
            server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            server.bind(address, backlog);
        } catch (BindException e) {
            server.close();
            BindException named = new BindException(
                    "cannot listen on " + address.getHostString() + ":" + address.getPort() + ": " + e.getMessage());
            named.initCause(e);
            throw named;
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        server.configureBlocking(false);
        Selector selector = Selector.open();
        SelectionKey acceptKey = server.register(selector, SelectionKey.OP_ACCEPT);
        return new HttpsListener(server, selector, acceptKey, silentNanos, handler, name);
    }

    void start() {
        thread.start();
    }

    InetSocketAddress address() {
        return (InetSocketAddress) server.socket().getLocalSocketAddress();
    }

    /** Holds a connection until its next request arrives (called by the connection's thread). */
    void park(ServerConnection connection) {
        if (stopping || dead) {
            connection.close();
            return;
        }
        toPark.add(connection);
        selector.wakeup();
        if (stopping || dead) { // the listener may have drained the queue before this add
            ServerConnection c;
            while ((c = toPark.poll()) != null) {
                c.close();
            }
        }
    }

    /** Stops accepting and closes the waiting connections; connections being served are not touched. */
    void stop() {
        stopping = true;
        selector.wakeup();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void run() {
        int failures = 0;
        try {
            while (!stopping) {
                try {
                    pass();
                    failures = 0;
                } catch (Throwable t) { // an Error too (no thread could start): pause and go on
                    if (stopping || !selector.isOpen() || ++failures >= 10) {
                        throw t;
                    }
                    log.warn("connection listener of {}: {} (retrying)", address(), t.toString());
                    Thread.sleep(100);
                }
            }
        } catch (Throwable t) { // the server must not look alive while accepting nothing
            if (!stopping) {
                log.error("connection listener of {} failed; it accepts no more connections", address(), t);
            }
        } finally {
            dead = true;
            shutdown();
        }
    }

    private void pass() throws IOException {
        selector.select(onReady, acceptPausedUntil != 0 || handshakes.anyWaiting() ? 100 : SWEEP_MILLIS);
        registerParked();
        resumeReady();
        startHandshakes();
        long now = System.nanoTime();
        if (acceptPausedUntil != 0 && now - acceptPausedUntil >= 0) {
            acceptPausedUntil = 0;
            acceptKey.interestOps(SelectionKey.OP_ACCEPT);
        }
        if (now - lastSweep >= TimeUnit.MILLISECONDS.toNanos(SWEEP_MILLIS)) {
            lastSweep = now;
            sweepIdle(now);
            handler.tick(now);
        }
    }

    /** Hands new connections with their ClientHello to threads, as {@link HandshakeSlots} allows. */
    private void startHandshakes() {
        ArrivingConnection next;
        while ((next = handshakes.start()) != null) {
            try {
                handler.accepted(next.channel, next.acceptedAt, next.firstRecord());
            } catch (Throwable t) {
                handshakeDone();
                log.warn("dropping a connection on {}: {}", address(), t.toString());
                closeQuietly(next.channel);
            }
        }
    }

    /** Called by the connection thread when a handshake handed over by this listener has ended. */
    void handshakeDone() {
        if (handshakes.release()) {
            selector.wakeup();
        }
    }

    /** Whether a connection answered now may stay open: false when the parked ones are at their limit. */
    boolean hasRoomToPark() {
        return parked < MAX_PARKED;
    }

    private void onReady(SelectionKey key) {
        if (!key.isValid()) {
            return;
        }
        if (key.isAcceptable()) {
            acceptAll();
        } else if (key.isReadable()) {
            if (key.attachment() instanceof ArrivingConnection a) {
                try {
                    if (!a.readFirstRecord()) {
                        return; // more of it to come
                    }
                } catch (IOException notTls) {
                    key.cancel();
                    closeQuietly(a.channel);
                    return;
                }
            }
            key.cancel();
            ready.add(key.attachment());
            if (key.attachment() instanceof ServerConnection) {
                parked--;
            }
        }
    }

    private void acceptAll() {
        while (true) {
            SocketChannel channel;
            try {
                channel = server.accept();
                if (channel == null) {
                    return;
                }
            } catch (IOException e) {
                // e.g. too many open files: leave the rest in the backlog and pause, or this spins
                pauseAccepting(e);
                return;
            }
            try {
                channel.configureBlocking(false);
                channel.register(selector, SelectionKey.OP_READ, new ArrivingConnection(channel, System.nanoTime()));
            } catch (IOException | RuntimeException e) {
                closeQuietly(channel);
            }
        }
    }

    private void pauseAccepting(IOException e) {
        long now = System.nanoTime();
        acceptPausedUntil = now + ACCEPT_PAUSE_NANOS;
        acceptKey.interestOps(0);
        if (lastAcceptWarning == 0 || now - lastAcceptWarning > WARN_EVERY_NANOS) {
            lastAcceptWarning = now;
            log.warn("cannot accept connections on {}: {} (pausing accepts; this warning repeats at most once a minute)",
                    address(), e.toString());
        }
    }

    private void registerParked() {
        ServerConnection c;
        while ((c = toPark.poll()) != null) {
            if (parked >= MAX_PARKED) {
                handOver(c, true); // closed like an idle one: the client sees the close_notify
                continue;
            }
            try {
                c.channel.configureBlocking(false);
                c.channel.register(selector, SelectionKey.OP_READ, c);
                c.parkedAt = System.nanoTime();
                parked++;
            } catch (IOException | RuntimeException e) {
                c.close();
            }
        }
    }

    /** Hands readable connections over, once their cancelled keys have left the selector. */
    private void resumeReady() throws IOException {
        if (ready.isEmpty()) {
            return;
        }
        int before;
        do { // a cancelled key is deregistered by the next selection; it may find more ready
            before = ready.size();
            selector.selectNow(onReady);
        } while (ready.size() != before);
        for (Object waiting : ready) {
            handOver(waiting, false);
        }
        ready.clear();
    }

    private void sweepIdle(long now) throws IOException {
        List<Object> expired = new ArrayList<>();
        for (SelectionKey key : selector.keys()) {
            Object a = key.attachment();
            if (a instanceof ServerConnection c && now - c.parkedAt > IDLE_NANOS
                    || a instanceof ArrivingConnection n && now - n.acceptedAt > silentNanos) {
                key.cancel();
                expired.add(a);
                if (a instanceof ServerConnection) {
                    parked--;
                }
            }
        }
        handshakes.closeWaitingSince(now - silentNanos); // they waited for a slot as long as they may
        if (!expired.isEmpty()) {
            selector.selectNow(onReady);
            resumeReady();
            for (Object a : expired) {
                handOver(a, true);
            }
        }
    }

    /** Turns a waiting channel blocking and hands it to the handler; a failure closes only that one. */
    private void handOver(Object waiting, boolean expired) {
        SocketChannel channel = waiting instanceof ServerConnection c ? c.channel : ((ArrivingConnection) waiting).channel;
        try {
            if (expired && waiting instanceof ArrivingConnection) {
                channel.close(); // silent since it connected: no TLS to close
                return;
            }
            channel.configureBlocking(true);
            if (waiting instanceof ServerConnection c) {
                if (expired) {
                    handler.expired(c);
                } else {
                    handler.resumed(c);
                }
            } else {
                handshakes.add((ArrivingConnection) waiting);
            }
        } catch (Throwable t) { // e.g. no thread could be started: drop this connection, keep serving
            log.warn("dropping a connection on {}: {}", address(), t.toString());
            if (waiting instanceof ServerConnection c) {
                c.close();
            } else {
                closeQuietly(channel);
            }
        }
    }

    private void shutdown() {
        closeQuietly(server);
        handshakes.closeAllWaiting();
        ServerConnection c;
        while ((c = toPark.poll()) != null) {
            c.close();
        }
        List<Object> waiting = new ArrayList<>();
        for (SelectionKey key : selector.keys()) {
            if (key.attachment() != null) {
                waiting.add(key.attachment());
            }
        }
        try {
            selector.close(); // deregisters every channel, so they can turn blocking for their close_notify
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Object w : waiting) {
            if (w instanceof ServerConnection parked) {
                try {
                    parked.channel.configureBlocking(true);
                } catch (IOException | RuntimeException ignored) {
                    // closed without a close_notify
                }
                parked.close();
            } else {
                closeQuietly(((ArrivingConnection) w).channel);
            }
        }
    }
}
