package jfunc.common.rpc;

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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's one selector thread: accepts connections, and holds kept-alive connections
 * between requests ("parked"), so an idle connection costs a selector key and no thread.
 *
 * <p>A connection is served on a connection thread in blocking mode (TLS over a plain socket is
 * simpler and cheaper than an engine); when it has answered and no next request is buffered,
 * it is parked: its channel turns non-blocking and registers here. When bytes arrive, it is
 * deregistered, turned blocking again and handed back. Parked connections idle longer than
 * their limit are closed (with a TLS close_notify, which the client sees before reusing it).
 */
final class HttpsListener implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(HttpsListener.class);
    static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(60);
    /** A connection that never sent a request is dropped sooner. */
    static final long UNUSED_IDLE_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final long SWEEP_MILLIS = 1_000;

    /** Where connections go: {@code accepted} for new ones, {@code resumed} for parked ones with bytes. */
    interface Handler {
        void accepted(SocketChannel channel);

        void resumed(ServerConnection connection);

        /** Closes an expired parked connection (off this thread: closing writes a TLS alert). */
        void expired(ServerConnection connection);
    }

    private final ServerSocketChannel server;
    private final Selector selector;
    private final Handler handler;
    private final Queue<ServerConnection> toPark = new ConcurrentLinkedQueue<>();
    private final List<ServerConnection> ready = new ArrayList<>();
    private final Consumer<SelectionKey> onReady = this::onReady;
    private final Thread thread;
    private volatile boolean stopping;
    private long lastSweep = System.nanoTime();

    private HttpsListener(ServerSocketChannel server, Selector selector, Handler handler, String name) {
        this.server = server;
        this.selector = selector;
        this.handler = handler;
        this.thread = new Thread(this, name + "-listener");
        // Not a daemon: like the JDK's server, a listening server keeps its process alive.
        this.thread.setDaemon(false);
    }

    /** Binds; the message of a BindException names the address. {@link #start()} starts accepting. */
    static HttpsListener open(InetSocketAddress address, int backlog, Handler handler, String name) throws IOException {
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
        server.register(selector, SelectionKey.OP_ACCEPT);
        return new HttpsListener(server, selector, handler, name);
    }

    void start() {
        thread.start();
    }

    InetSocketAddress address() {
        return (InetSocketAddress) server.socket().getLocalSocketAddress();
    }

    /** Holds a connection until its next request arrives (called by the connection's thread). */
    void park(ServerConnection connection) {
        if (stopping) {
            connection.close();
            return;
        }
        toPark.add(connection);
        selector.wakeup();
    }

    /** Stops accepting and closes the parked connections; connections being served are not touched. */
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
        try {
            while (!stopping) {
                selector.select(onReady, SWEEP_MILLIS);
                registerParked();
                resumeReady();
                sweepIdle();
            }
        } catch (IOException | RuntimeException e) {
            if (!stopping) {
                log.error("connection listener failed; no new connections are accepted", e);
            }
        } finally {
            shutdown();
        }
    }

    private void onReady(SelectionKey key) {
        if (!key.isValid()) {
            return;
        }
        if (key.isAcceptable()) {
            acceptAll();
        } else if (key.isReadable()) {
            key.cancel();
            ready.add((ServerConnection) key.attachment());
        }
    }

    private void acceptAll() {
        while (true) {
            SocketChannel channel;
            try {
                channel = server.accept();
            } catch (IOException e) {
                // e.g. too many open files: leave the rest in the backlog, try again next round
                log.warn("cannot accept a connection: {}", e.toString());
                return;
            }
            if (channel == null) {
                return;
            }
            handler.accepted(channel);
        }
    }

    private void registerParked() {
        ServerConnection c;
        while ((c = toPark.poll()) != null) {
            try {
                c.channel.configureBlocking(false);
                c.channel.register(selector, SelectionKey.OP_READ, c);
                c.parkedAt = System.nanoTime();
            } catch (IOException | RuntimeException e) {
                c.close();
            }
        }
    }

    /** Hands readable connections back, once their cancelled keys have left the selector. */
    private void resumeReady() throws IOException {
        if (ready.isEmpty()) {
            return;
        }
        int before;
        do { // a cancelled key is deregistered by the next selection; one may find more ready
            before = ready.size();
            selector.selectNow(onReady);
        } while (ready.size() != before);
        for (ServerConnection c : ready) {
            if (unpark(c)) {
                handler.resumed(c);
            }
        }
        ready.clear();
    }

    private void sweepIdle() throws IOException {
        long now = System.nanoTime();
        if (now - lastSweep < TimeUnit.MILLISECONDS.toNanos(SWEEP_MILLIS)) {
            return;
        }
        lastSweep = now;
        List<ServerConnection> expired = new ArrayList<>();
        for (SelectionKey key : selector.keys()) {
            if (key.attachment() instanceof ServerConnection c
                    && now - c.parkedAt > (c.used ? IDLE_NANOS : UNUSED_IDLE_NANOS)) {
                key.cancel();
                expired.add(c);
            }
        }
        if (!expired.isEmpty()) {
            selector.selectNow(onReady);
            resumeReady();
            for (ServerConnection c : expired) {
                if (unpark(c)) {
                    handler.expired(c);
                }
            }
        }
    }

    private static boolean unpark(ServerConnection c) {
        try {
            c.channel.configureBlocking(true);
            return true;
        } catch (IOException | RuntimeException e) {
            c.close();
            return false;
        }
    }

    private void shutdown() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        closeParked();
        try {
            selector.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    private void closeParked() {
        ServerConnection c;
        while ((c = toPark.poll()) != null) {
            c.close();
        }
        for (SelectionKey key : selector.keys()) {
            if (key.attachment() instanceof ServerConnection parked) {
                parked.close(); // non-blocking now: no close_notify, the socket just closes
            }
        }
    }
}
