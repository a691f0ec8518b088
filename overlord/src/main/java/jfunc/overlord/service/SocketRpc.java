package jfunc.overlord.service;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import jfunc.common.rpc.XmlRpcMessages;
import org.apache.xmlrpc.XmlRpcException;

/**
 * A small blocking XML-RPC client over the service's Unix-domain socket: one kept-alive
 * connection, calls one at a time. No TLS, no job store, nothing but the socket: the CLI in
 * service mode starts fast. Not thread-safe (the CLI makes one call at a time).
 */
final class SocketRpc implements AutoCloseable {
    static final long MAX_REPLY_BYTES = 256L * 1024 * 1024;

    /** The service is not there (no file, or nobody listens: a stale socket). */
    static final class NotListening extends IOException {
        NotListening(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The connection broke under a call: the service stopped or died. */
    static final class Gone extends IOException {
        Gone(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Path path;
    private SocketChannel channel;
    private InputStream in;
    private OutputStream out;

    private SocketRpc(Path path) {
        this.path = path;
    }

    /** Connects to {@code path}; {@link NotListening} when no service answers there. */
    static SocketRpc connect(Path path) throws IOException {
        SocketRpc rpc = new SocketRpc(path);
        rpc.open();
        return rpc;
    }

    private void open() throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(path));
        } catch (IOException e) {
            ch.close();
            throw new NotListening(path + ": " + e.getMessage(), e);
        }
        channel = ch;
        in = new BufferedInputStream(Channels.newInputStream(ch), 16 * 1024);
        out = Channels.newOutputStream(ch);
    }

    /** Calls {@code method(params...)}; a fault is an XmlRpcException with its code. */
    Object call(String method, Object... params) throws XmlRpcException, IOException {
        byte[] body = XmlRpcMessages.request(method, params);
        if (channel == null) {
            open();
        }
        byte[] reply;
        try {
            String head = "POST /RPC2 HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/xml; charset=UTF-8\r\n"
                    + "Content-Length: " + body.length + "\r\n\r\n";
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            reply = readReply();
        } catch (XmlRpcRefused e) {
            close();
            throw e;
        } catch (IOException e) {
            close();
            throw new Gone("the overlord service went away (" + (e.getMessage() == null ? e : e.getMessage()) + ")", e);
        }
        return XmlRpcMessages.parseReply(new ByteArrayInputStream(reply), MAX_REPLY_BYTES);
    }

    private byte[] readReply() throws IOException {
        String status = line();
        if (!status.startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP reply: " + status);
        }
        int code = Integer.parseInt(status.substring(9, 12));
        long length = -1;
        boolean close = false;
        for (String h = line(); !h.isEmpty(); h = line()) {
            String lower = h.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                length = Long.parseLong(h.substring(15).trim());
            } else if (lower.startsWith("connection:") && lower.contains("close")) {
                close = true;
            }
        }
        if (length < 0 || length > MAX_REPLY_BYTES) {
            throw new IOException("reply without a usable Content-Length");
        }
        byte[] body = in.readNBytes((int) length);
        if (body.length < length) {
            throw new EOFException("the reply was cut short");
        }
        if (close) {
            close();
        }
        if (code != 200) {
            throw new XmlRpcRefused(code, new String(body, StandardCharsets.UTF_8).strip());
        }
        return body;
    }

    /** A reply that is not 200 (another user: 403). */
    static final class XmlRpcRefused extends IOException {
        final int status;

        XmlRpcRefused(int status, String text) {
            super("HTTP " + status + (text.isEmpty() ? "" : ": " + text));
            this.status = status;
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(64);
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new EOFException("the connection closed");
            }
            if (c == '\n') {
                break;
            }
            if (c != '\r') {
                b.write(c);
            }
            if (b.size() > 8192) {
                throw new IOException("header line too long");
            }
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // closing anyway
            }
            channel = null;
        }
    }
}
