package jfunc.common.rpc;

import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * One accepted connection on the server side: the TLS socket over the accepted channel, the
 * caller's certificate name, and HTTP/1.1 request heads and bodies read from it.
 *
 * <p>It is used by one thread at a time: a connection thread while a request is read and
 * answered, or the {@link HttpsListener} while it is parked between requests (the channel is
 * then non-blocking, and the TLS streams must not be touched).
 */
final class ServerConnection implements Closeable {
    /** Replies up to this size go out with their head in one write (one TLS record). */
    private static final int COALESCE_BYTES = 16 * 1024 - 512;
    /** The longest a request body may pause between bytes. */
    static final int BODY_READ_TIMEOUT_MILLIS = 30_000;

    final SocketChannel channel;
    final InetSocketAddress remote;
    private final SSLSocket socket;
    private InputStream in;
    private OutputStream out;
    private X509Certificate peer;
    private final byte[] buf = new byte[2048];
    private int pos;
    private int lim;
    /** When the connection was last parked (System.nanoTime), for the idle limit. */
    long parkedAt;
    /**
     * When the current phase (handshake and head, body, reply) must be over (System.nanoTime),
     * or 0 while a call runs or the connection is parked. Socket timeouts alone do not bound a
     * phase (each read restarts them, so a byte every 29 s would hold a thread for ever); the
     * server's once-a-second watchdog aborts a connection past this.
     */
    private volatile long deadline;

    /** {@code firstRecord}: the bytes the listener already read (the ClientHello), read again by TLS. */
    ServerConnection(SocketChannel channel, byte[] firstRecord, SSLSocketFactory tls, SSLParameters params)
            throws IOException {
        this.channel = channel;
        this.remote = (InetSocketAddress) channel.getRemoteAddress();
        this.socket = (SSLSocket) tls.createSocket(channel.socket(), new ByteArrayInputStream(firstRecord), true);
        socket.setUseClientMode(false);
        socket.setSSLParameters(params);
    }

    void setDeadline(long nanoTime) {
        this.deadline = nanoTime;
    }

    void clearDeadline() {
        this.deadline = 0;
    }

    /** A deadline for moving {@code bytes} either way: {@code baseNanos} plus 1 s per 64 KiB (a slow but honest link). */
    long transferDeadline(long baseNanos, long bytes) {
        return System.nanoTime() + baseNanos + bytes * (TimeUnit.SECONDS.toNanos(1) / 65_536);
    }

    boolean overdue(long now) {
        long d = deadline;
        return d != 0 && now - d > 0;
    }

    boolean isOpen() {
        return channel.isOpen();
    }

    /** Runs the TLS handshake, which must finish before the deadline (System.nanoTime). */
    void handshake(long deadline) throws IOException {
        socket.setSoTimeout(millisUntil(deadline, "TLS handshake"));
        socket.startHandshake();
        in = socket.getInputStream();
        out = socket.getOutputStream();
        peer = peerCertificate(socket);
    }

    /** The caller's verified certificate, or null when it presented none. */
    X509Certificate peer() {
        return peer;
    }

    /** Whether request bytes are already here (decrypted or buffered), so parking would stall them. */
    boolean hasBufferedInput() throws IOException {
        return pos < lim || in.available() > 0;
    }

    /**
     * Reads a request's head; it must arrive before the deadline. Returns null when the peer
     * closed the connection before sending a byte of it.
     */
    RequestHead readHead(long deadline) throws IOException {
        int[] budget = {RequestHead.MAX_BYTES};
        return RequestHead.read(eofAllowed -> readLine(deadline, budget, eofAllowed));
    }

    /** Reads one line (ISO-8859-1, without its CRLF or LF); null at EOF before its first byte if allowed. */
    private String readLine(long deadline, int[] budget, boolean eofAllowed) throws IOException {
        StringBuilder line = new StringBuilder(64);
        while (true) {
            if (pos == lim) {
                if (!fill(millisUntil(deadline, "request head"))) {
                    if (eofAllowed && line.length() == 0) {
                        return null;
                    }
                    throw new EOFException("connection closed in the middle of a request head");
                }
            }
            byte b = buf[pos++];
            if (--budget[0] < 0) {
                throw new RequestHead.BadRequest(431, "request head larger than " + RequestHead.MAX_BYTES + " bytes");
            }
            if (b == '\n') {
                int end = line.length();
                if (end > 0 && line.charAt(end - 1) == '\r') {
                    line.setLength(end - 1);
                }
                return line.toString();
            }
            line.append((char) (b & 0xff));
        }
    }

    /** Refills the buffer; false at EOF. */
    private boolean fill(int timeoutMillis) throws IOException {
        socket.setSoTimeout(timeoutMillis);
        int n = in.read(buf, 0, buf.length);
        if (n < 0) {
            return false;
        }
        pos = 0;
        lim = n;
        return true;
    }

    private static int millisUntil(long deadline, String what) throws SocketTimeoutException {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
            throw new SocketTimeoutException(what + " not received in time");
        }
        return (int) Math.min(Integer.MAX_VALUE, left);
    }

    /** Tells a client that waits before sending its body (curl does, above 1 KiB) to go on. */
    void sendContinue() throws IOException {
        out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** The request body: exactly {@code length} bytes, each read waiting at most 30 s. */
    Body body(long length) {
        return new Body(length);
    }

    final class Body extends InputStream {
        private long left;

        Body(long length) {
            this.left = length;
        }

        /** Whether the body was read to its end, so the next request can follow on this connection. */
        boolean complete() {
            return left == 0;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left == 0) {
                return -1;
            }
            if (len == 0) {
                return 0;
            }
            if (pos == lim && !fill(BODY_READ_TIMEOUT_MILLIS)) {
                throw new EOFException("request body ended " + left + " bytes before its Content-Length");
            }
            int n = (int) Math.min(Math.min(len, lim - pos), left);
            System.arraycopy(buf, pos, b, off, n);
            pos += n;
            left -= n;
            return n;
        }

        @Override
        public int available() {
            return (int) Math.min(lim - pos, left);
        }

        @Override
        public void close() {
            // the connection stays open; an unread rest makes it unusable (see complete())
        }
    }

    /**
     * Starts a reply of {@code length} bytes: the head is buffered together with the body, and
     * both go out in one write when the returned stream is closed (one TLS record for a small
     * reply, which saves the peer a read).
     */
    OutputStream reply(int status, String reason, String contentType, int length, boolean close) {
        StringBuilder head = new StringBuilder(128)
                .append("HTTP/1.1 ").append(status).append(' ').append(reason).append("\r\n")
                .append("Content-Type: ").append(contentType).append("\r\n")
                .append("Content-Length: ").append(length).append("\r\n");
        if (close) {
            head.append("Connection: close\r\n");
        }
        if (status == 405) {
            head.append("Allow: POST\r\n");
        }
        byte[] headBytes = head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
        if (length > COALESCE_BYTES) {
            return new FilterOutputStream(out) { // a large reply: no second copy of it in memory
                private boolean headSent;

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    sendHead();
                    out.write(b, off, len);
                }

                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                private void sendHead() throws IOException {
                    if (!headSent) {
                        headSent = true;
                        out.write(headBytes);
                    }
                }

                @Override
                public void close() throws IOException {
                    sendHead();
                    out.flush(); // the connection stays open
                }
            };
        }
        byte[] frame = new byte[headBytes.length + length];
        System.arraycopy(headBytes, 0, frame, 0, headBytes.length);
        return new OutputStream() {
            private int n = headBytes.length;
            private boolean sent;

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (len > frame.length - n) {
                    throw new IOException("reply longer than its Content-Length of " + length);
                }
                System.arraycopy(b, off, frame, n, len);
                n += len;
            }

            @Override
            public void close() throws IOException {
                if (!sent) {
                    sent = true;
                    out.write(frame, 0, n);
                    out.flush();
                }
            }
        };
    }

    /** Sends a short plain-text reply. */
    void replyText(int status, String reason, String text, boolean close) throws IOException {
        byte[] body = (text + "\n").getBytes(StandardCharsets.UTF_8);
        try (OutputStream o = reply(status, reason, "text/plain; charset=utf-8", body.length, close)) {
            o.write(body);
        }
    }

    /**
     * Reads and discards what the client still sends, up to a limit, after a refusal: a client
     * busy writing a refused body would otherwise get a reset instead of our reply.
     */
    void discardInput(long maxBytes, long millis) {
        long deadline = System.nanoTime() + millis * 1_000_000;
        long discarded = lim - pos;
        pos = lim;
        try {
            while (discarded < maxBytes && fill(millisUntil(deadline, "discarding"))) {
                discarded += lim - pos;
                pos = lim;
            }
        } catch (IOException | RuntimeException done) {
            // time is up or the client closed: either way we close next
        }
    }

    /**
     * Closes the channel under the TLS socket, so a thread blocked reading it fails at once
     * (closing the TLS socket from another thread may wait for that read).
     */
    void abort() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closed
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException | RuntimeException ignored) {
            // closing anyway
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // closed
        }
    }

    private static X509Certificate peerCertificate(SSLSocket socket) {
        try {
            Certificate[] chain = socket.getSession().getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate x ? x : null;
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }
}
