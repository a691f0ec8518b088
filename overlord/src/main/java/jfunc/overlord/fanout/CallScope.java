package jfunc.overlord.fanout;

import java.io.IOException;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * The sockets one call used, so that the call can be aborted from another thread. Open it on
 * the thread that makes the call ({@link #open()}), close it there when the call returns;
 * {@link #abort()} may come from any thread and closes every socket the call touched.
 */
public final class CallScope implements AutoCloseable {
    private static final ThreadLocal<CallScope> CURRENT = new ThreadLocal<>();

    private final List<Socket> sockets = new ArrayList<>(2);
    private boolean aborted;
    private boolean closed;

    private CallScope() {}

    /** Opens a scope for the current thread; sockets it reads or writes are recorded in it. */
    public static CallScope open() {
        CallScope s = new CallScope();
        CURRENT.set(s);
        return s;
    }

    /** Records {@code socket} in the current thread's scope, if any; closes it if that scope was aborted. */
    static void touch(Socket socket) throws IOException {
        CallScope s = CURRENT.get();
        if (s != null) {
            s.attach(socket);
        }
    }

    /**
     * Takes {@code socket} out of the current thread's scope before its connection is kept for
     * another call, so that a late {@link #abort()} cannot close it under that call. False when
     * the scope was aborted first: then the connection must be closed, not kept.
     */
    static boolean release(Socket socket) {
        CallScope s = CURRENT.get();
        return s == null || s.detach(socket);
    }

    private synchronized boolean detach(Socket socket) {
        if (aborted) {
            return false;
        }
        sockets.remove(socket);
        return true;
    }

    private void attach(Socket socket) throws IOException {
        boolean close;
        synchronized (this) {
            if (closed) {
                return;
            }
            close = aborted;
            if (!close && !sockets.contains(socket)) {
                sockets.add(socket);
            }
        }
        if (close) {
            socket.close();
            throw new java.net.SocketException("call aborted at its deadline");
        }
    }

    /** Closes every socket of the call; later I/O of the call fails. Idempotent, any thread. */
    public void abort() {
        List<Socket> toClose;
        synchronized (this) {
            if (aborted || closed) {
                return;
            }
            aborted = true;
            toClose = new ArrayList<>(sockets);
        }
        for (Socket s : toClose) {
            try {
                s.close();
            } catch (IOException e) {
                // closing is all we wanted
            }
        }
    }

    public synchronized boolean aborted() {
        return aborted;
    }

    /** Ends the scope on its own thread; its sockets stay open (kept alive for reuse). */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            sockets.clear();
        }
        if (CURRENT.get() == this) {
            CURRENT.remove();
        }
    }
}
