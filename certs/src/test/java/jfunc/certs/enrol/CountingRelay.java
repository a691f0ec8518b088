package jfunc.certs.enrol;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A plain TCP relay on loopback in front of a server, counting the connections a client keeps
 * open: one counts from accept until the client closes its side (the relay reads its EOF).
 */
final class CountingRelay implements AutoCloseable {
    final AtomicInteger open = new AtomicInteger();
    final AtomicInteger accepted = new AtomicInteger();
    private final ServerSocket socket;

    CountingRelay(InetSocketAddress target) throws IOException {
        socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        daemon(() -> {
            while (!socket.isClosed()) {
                Socket client;
                try {
                    client = socket.accept();
                } catch (IOException e) {
                    return;
                }
                accepted.incrementAndGet();
                open.incrementAndGet();
                daemon(() -> relay(client, target));
            }
        });
    }

    int port() {
        return socket.getLocalPort();
    }

    /** Waits up to 5 s for the count of connections the client holds open to fall to {@code n}. */
    int awaitOpen(int n) throws InterruptedException {
        for (int i = 0; i < 500 && open.get() > n; i++) {
            Thread.sleep(10);
        }
        return open.get();
    }

    private void relay(Socket client, InetSocketAddress target) {
        try (client; Socket server = new Socket(target.getAddress(), target.getPort())) {
            daemon(() -> pump(server, client));
            pump(client, server);            // returns when the client closes its side
        } catch (IOException e) {
            // either side went away
        } finally {
            open.decrementAndGet();
        }
    }

    private static void pump(Socket from, Socket to) {
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            byte[] buf = new byte[8192];
            for (int n; (n = in.read(buf)) != -1; ) {
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // closed
        }
    }

    private static void daemon(Runnable r) {
        Thread t = new Thread(r);
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
