package jfunc.common.rpc;

import static jfunc.common.rpc.Closeables.closeQuietly;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import jfunc.common.tls.Certs;
import jfunc.common.tls.TlsContexts;

/**
 * One HTTP/1.1 connection over TLS to a jfunc server, used by one call at a time and kept alive
 * between calls ({@link ConnectionPool}). Speaks just what XML-RPC needs: a POST with a known
 * length out; a reply with a Content-Length, chunked, or ended by closing.
 *
 * <p>Why not {@code HttpsURLConnection}: it starts a thread per handshake to tell listeners we do
 * not have, keeps a cache thread, and checks the server's name on every call; here the name is
 * checked once, when the connection is made. Measured on 2 cores it cost about a millisecond of
 * CPU per fresh connection (bench/overlord-fanout).
 */
final class HttpConnection implements AutoCloseable {
    private static final int MAX_LINE = 8 * 1024;
    private static final int MAX_HEADERS = 100;
    /** How much of an unread reply body we read away to keep the connection; more and we close it. */
    private static final int MAX_DRAIN = 16 * 1024;
    private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.[01] [0-9]{3}( .*)?");
    private static final Pattern DECIMAL = Pattern.compile("[0-9]{1,18}");

    final RpcClient.Endpoint endpoint;
    private final Socket tcp;
    private final SSLSocket socket;
    private final InputStream in;
    private final OutputStream out;
    private final byte[] hostHeader;
    private boolean answered;
    private long idleSince;

    private HttpConnection(RpcClient.Endpoint endpoint, Socket tcp, SSLSocket socket) throws IOException {
        this.endpoint = endpoint;
        this.tcp = tcp;
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream(), 8192);
        this.out = new BufferedOutputStream(socket.getOutputStream(), 8192);
        String h = endpoint.host().contains(":") && !endpoint.host().startsWith("[")
                ? "[" + endpoint.host() + "]" : endpoint.host();
        this.hostHeader = ("POST /RPC2 HTTP/1.1\r\nHost: " + h + ":" + endpoint.port()
                + "\r\nUser-Agent: jfunc\r\nContent-Type: text/xml\r\nContent-Length: ")
                .getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * Connects (within {@code connectMillis}), runs the TLS handshake and checks that the server's
     * certificate names the endpoint (its CN or SAN), when the endpoint has a name.
     */
    static HttpConnection open(RpcClient.Endpoint endpoint, SSLSocketFactory tls, Supplier<Socket> tcp,
                               int connectMillis, int readMillis) throws IOException {
        Socket plain = tcp.get();
        try {
            plain.setTcpNoDelay(true);
            plain.connect(new InetSocketAddress(endpoint.host(), endpoint.port()), connectMillis);
            plain.setSoTimeout(readMillis);
            SSLSocket s = (SSLSocket) tls.createSocket(plain, endpoint.host(), endpoint.port(), true);
            s.setEnabledProtocols(new String[] {TlsContexts.PROTOCOL});
            try {
                s.startHandshake();
            } catch (SocketException e) {
                // a server that refuses our certificate closes at once; the alert saying so is lost
                throw new SSLException("the server broke off the TLS handshake (" + e.getMessage()
                        + "): it refused our certificate (revoked, unknown or not allowed?) or is stopping", e);
            }
            checkName(s, endpoint.name());
            return new HttpConnection(endpoint, plain, s);
        } catch (IOException | RuntimeException e) {
            closeQuietly(plain);
            throw e;
        }
    }

    private static void checkName(SSLSocket s, String expected) throws SSLPeerUnverifiedException {
        if (expected == null) {
            return;
        }
        Certificate[] chain = s.getSession().getPeerCertificates();
        if (chain.length == 0 || !(chain[0] instanceof X509Certificate x) || !Certs.isFor(x, expected)) {
            String got = chain.length > 0 && chain[0] instanceof X509Certificate x ? Certs.commonName(x) : "nothing";
            throw new SSLPeerUnverifiedException("the server's certificate is for '" + got
                    + "', expected '" + expected + "'");
        }
    }

    /** The reply to one POST: its status and its body (a stream that never closes the socket). */
    record Reply(int status, String reason, InputStream body, boolean keepAlive) {}

    /**
     * Sends {@code body} as a POST to /RPC2 and reads the reply's head; each read waits at most
     * {@code readMillis}. Read the reply's body, then call {@link #reusable(Reply)}.
     */
    Reply post(byte[] body, int readMillis) throws IOException {
        socket.setSoTimeout(readMillis);
        boolean fresh = !answered;
        try {
            out.write(hostHeader);
            out.write(Integer.toString(body.length).getBytes(StandardCharsets.ISO_8859_1));
            out.write('\r');
            out.write('\n');
            out.write('\r');
            out.write('\n');
            out.write(body);
            out.flush();
        } catch (SocketException e) {
            throw fresh ? closedAfterHandshake(e) : lost(e);
        }
        String status;
        try {
            status = readLine(in, true);
        } catch (EOFException | SocketException e) {
            throw fresh ? closedAfterHandshake(e) : lost(e);
        }
        answered = true;
        // "HTTP/1.1 200 OK": a version, a three-digit code, then a space and a reason, or nothing
        if (!STATUS_LINE.matcher(status).matches()) {
            throw new IOException("not an HTTP/1.x status line: " + printable(status));
        }
        int code = Integer.parseInt(status.substring(9, 12));
        String reason = status.length() > 13 ? status.substring(13) : "";
        boolean keepAlive = status.startsWith("HTTP/1.1");
        long length = -1;
        boolean chunked = false;
        for (int i = 0; ; i++) {
            String line = readLine(in, false);
            if (line.isEmpty()) {
                break;
            }
            if (i >= MAX_HEADERS) {
                throw new IOException("more than " + MAX_HEADERS + " header lines in the reply");
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            switch (name) {
                case "content-length" -> {
                    long l = contentLength(value);
                    if (length >= 0 && l != length) {
                        throw new IOException("conflicting Content-Length headers in the reply: " + length + " and " + l);
                    }
                    length = l;
                }
                case "transfer-encoding" -> {
                    if (!value.equalsIgnoreCase("chunked")) {
                        throw new IOException("unsupported Transfer-Encoding in the reply: " + printable(value));
                    }
                    chunked = true;
                }
                case "connection" -> {
                    String v = value.toLowerCase(Locale.ROOT);
                    if (v.contains("close")) {
                        keepAlive = false;
                    } else if (v.contains("keep-alive")) {
                        keepAlive = true;
                    }
                }
                default -> { }
            }
        }
        if (chunked && length >= 0) {
            // which one ends the body? A proxy and we could disagree (request smuggling): refuse
            throw new IOException("the reply has both Transfer-Encoding: chunked and a Content-Length");
        }
        InputStream replyBody;
        if (chunked) {
            replyBody = ReplyBodies.chunked(in);
        } else if (length >= 0) {
            replyBody = ReplyBodies.fixed(in, length);
        } else {
            keepAlive = false;   // the body ends when the server closes
            replyBody = ReplyBodies.untilClosed(in);
        }
        return new Reply(code, reason, replyBody, keepAlive);
    }

    /**
     * True when the connection can carry another call: the server keeps it open and the rest
     * of the reply's body (if any, and small) was read away.
     */
    boolean reusable(Reply reply) {
        if (!reply.keepAlive()) {
            return false;
        }
        try {
            long left = reply.body().skip(MAX_DRAIN);
            if (left >= MAX_DRAIN || reply.body().read() != -1) {
                return false;
            }
        } catch (IOException e) {
            return false;
        }
        idleSince = System.nanoTime();
        return true;
    }

    /**
     * True when the server has sent something on this idle connection: a close_notify as it
     * closes the connection (idle, stopping), or anything else; either way it cannot carry a call.
     * Looks at the bytes waiting in the socket without reading or blocking.
     */
    boolean closedByPeer() {
        try {
            return tcp.getInputStream().available() > 0 || in.available() > 0;
        } catch (IOException e) {
            return true;
        }
    }

    /** False when the call that used this connection was aborted: see {@link RpcClient.PooledSocket}. */
    boolean leaveCall() {
        return !(tcp instanceof RpcClient.PooledSocket p) || p.leaveCall();
    }

    long idleSince() {
        return idleSince;
    }

    boolean isClosed() {
        return socket.isClosed();
    }

    @Override
    public void close() {
        closeQuietly(socket);
    }

    /**
     * TLS 1.3: the server judges our certificate after our side of the handshake is done. When it
     * refuses it, the alert saying so often never reaches us (the server's TLS layer drops it, or
     * our request arriving after its close makes it reset the connection): we see the connection
     * closed or reset under the first request. (An alert that does arrive is an SSLException
     * naming it, passed on as is.) A server that stopped looks the same, so we say both.
     */
    private static SSLException closedAfterHandshake(IOException cause) {
        String how = cause instanceof EOFException ? "closed the connection" : "broke the connection (" + cause.getMessage() + ")";
        return new SSLException("the server " + how + " right after the TLS handshake, without a reply or a TLS alert:"
                + " it refused our certificate (revoked, unknown or not allowed?) or it stopped", cause);
    }

    /** A kept-alive connection that broke before the server answered: the server went away. */
    private static ConnectionLost lost(IOException cause) {
        return new ConnectionLost("the server closed a kept-alive connection before answering"
                + " (stopped or restarted?): " + cause.getMessage(), cause);
    }

    /** The server closed or reset the connection before it answered a call. */
    static final class ConnectionLost extends SocketException {
        ConnectionLost(String message, Throwable cause) {
            super(message);
            initCause(cause);
        }
    }

    static String readLine(InputStream in, boolean first) throws IOException {
        StringBuilder line = new StringBuilder(64);
        while (true) {
            int b = in.read();
            if (b == -1) {
                if (first && line.length() == 0) {
                    throw new EOFException("the server closed the connection without answering");
                }
                throw new EOFException("the reply ended in its head");
            }
            if (b == '\n') {
                int n = line.length();
                if (n > 0 && line.charAt(n - 1) == '\r') {
                    line.setLength(n - 1);
                }
                return line.toString();
            }
            if (line.length() >= MAX_LINE) {
                throw new IOException("a line of the reply's head is longer than " + MAX_LINE + " bytes");
            }
            line.append((char) b);
        }
    }

    private static long contentLength(String value) throws IOException {
        if (!DECIMAL.matcher(value).matches()) {
            throw new IOException((value.startsWith("-") ? "negative" : "bad") + " Content-Length in the reply: "
                    + printable(value));
        }
        return Long.parseLong(value);
    }

    static String printable(String s) {
        String cut = s.length() > 60 ? s.substring(0, 60) + "..." : s;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
