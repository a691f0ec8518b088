package jfunc.overlord.fanout;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketAddress;
import java.util.function.Supplier;
import jfunc.common.rpc.RpcClient;

/**
 * TCP sockets that can be aborted through {@link CallScope}: the RPC client layers TLS on them,
 * and they report their connect, every read and every write to the calling thread's scope, so
 * closing them from the watchdog unblocks any connect, handshake or read of the call.
 */
public final class AbortableSockets {
    private AbortableSockets() {}

    /** Makes unconnected TCP sockets recorded in the current thread's call scope. */
    public static Supplier<Socket> supplier() {
        return () -> new TrackedSocket();
    }

    /**
     * A TCP socket whose I/O is attributed to the calling thread's {@link CallScope}; it leaves
     * that scope before the client pools its connection.
     */
    private static final class TrackedSocket extends Socket implements RpcClient.PooledSocket {
        private InputStream in;
        private OutputStream out;

        @Override
        public boolean leaveCall() {
            return CallScope.release(this);
        }

        @Override
        public void connect(SocketAddress endpoint, int timeout) throws IOException {
            CallScope.touch(this);
            super.connect(endpoint, timeout);
        }

        @Override
        public synchronized InputStream getInputStream() throws IOException {
            if (in == null) {
                in = new FilterInputStream(super.getInputStream()) {
                    @Override
                    public int read() throws IOException {
                        CallScope.touch(TrackedSocket.this);
                        return super.read();
                    }

                    @Override
                    public int read(byte[] b, int off, int len) throws IOException {
                        CallScope.touch(TrackedSocket.this);
                        return super.read(b, off, len);
                    }
                };
            }
            return in;
        }

        @Override
        public synchronized OutputStream getOutputStream() throws IOException {
            if (out == null) {
                OutputStream raw = super.getOutputStream();
                out = new FilterOutputStream(raw) {
                    @Override
                    public void write(int b) throws IOException {
                        CallScope.touch(TrackedSocket.this);
                        raw.write(b);
                    }

                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        CallScope.touch(TrackedSocket.this);
                        raw.write(b, off, len);
                    }
                };
            }
            return out;
        }
    }
}
