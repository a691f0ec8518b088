package jfunc.overlord.fanout;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.security.KeyManagementException;
import java.security.SecureRandom;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * An SSLContext whose client sockets can be aborted through {@link CallScope}. The JDK's HTTPS
 * client asks the factory for an unconnected socket; we hand it a plain TCP socket (so it
 * connects with its timeout and then layers TLS on it through {@link #createSocket(Socket,
 * String, int, boolean)}) whose streams report every read and write to the thread's scope.
 * Closing that TCP socket unblocks any read or handshake on top of it.
 */
public final class AbortableTls {
    private AbortableTls() {}

    public static SSLContext wrap(SSLContext real) {
        return new SSLContext(new Spi(real), real.getProvider(), real.getProtocol()) {};
    }

    private static final class Spi extends SSLContextSpi {
        private final SSLContext real;
        private final SSLSocketFactory sockets;

        Spi(SSLContext real) {
            this.real = real;
            this.sockets = new Factory(real.getSocketFactory());
        }

        @Override
        protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom sr) throws KeyManagementException {
            throw new KeyManagementException("already initialised");
        }

        @Override
        protected SSLSocketFactory engineGetSocketFactory() {
            return sockets;
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() {
            return real.getServerSocketFactory();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            return real.createSSLEngine();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            return real.createSSLEngine(host, port);
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext() {
            return real.getServerSessionContext();
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() {
            return real.getClientSessionContext();
        }

        @Override
        protected SSLParameters engineGetDefaultSSLParameters() {
            return real.getDefaultSSLParameters();
        }

        @Override
        protected SSLParameters engineGetSupportedSSLParameters() {
            return real.getSupportedSSLParameters();
        }
    }

    private static final class Factory extends SSLSocketFactory {
        private final SSLSocketFactory tls;

        Factory(SSLSocketFactory tls) {
            this.tls = tls;
        }

        @Override
        public Socket createSocket() throws IOException {
            TrackedSocket s = new TrackedSocket();
            CallScope.touch(s);
            return s;
        }

        @Override
        public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
            return tls.createSocket(s, host, port, autoClose);
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            Socket plain = createSocket();
            plain.connect(new java.net.InetSocketAddress(host, port));
            return tls.createSocket(plain, host, port, true);
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            Socket plain = createSocket();
            plain.bind(new java.net.InetSocketAddress(localHost, localPort));
            plain.connect(new java.net.InetSocketAddress(host, port));
            return tls.createSocket(plain, host, port, true);
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return createSocket(host.getHostAddress(), port);
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return createSocket(address.getHostAddress(), port, localAddress, localPort);
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return tls.getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return tls.getSupportedCipherSuites();
        }
    }

    /** A TCP socket whose I/O is attributed to the calling thread's {@link CallScope}. */
    private static final class TrackedSocket extends Socket {
        private InputStream in;
        private OutputStream out;

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
