package jfunc.common.rpc;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import org.apache.xmlrpc.XmlRpcException;
import org.apache.xmlrpc.client.XmlRpcClient;
import org.apache.xmlrpc.client.XmlRpcClientConfigImpl;
import org.apache.xmlrpc.client.XmlRpcClientException;
import org.apache.xmlrpc.client.XmlRpcClientRequestImpl;
import org.apache.xmlrpc.client.XmlRpcHttpTransportException;
import org.apache.xmlrpc.common.XmlRpcStreamRequestConfig;
import org.apache.xmlrpc.parser.XmlRpcResponseParser;
import org.apache.xmlrpc.serializer.XmlRpcWriter;
import org.xml.sax.Attributes;
import org.xml.sax.ContentHandler;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;

/**
 * Calls jfunc servers over HTTPS (our own small HTTP/1.1 client, {@link HttpConnection}). One
 * instance per process and TLS identity: it keeps connections alive per endpoint, so a repeated
 * call costs well under a millisecond instead of a full handshake. {@link #close()} closes them.
 *
 * <p>Safety: extensions off; the reply parser drops {@code faultCause} (CVE-2019-17570: never
 * deserialise what a server sends); replies are capped; the server's certificate must name the
 * peer we meant to call (its CN or SAN), since minions are addressed by name, not by host.
 * Thread-safe.
 */
public final class RpcClient implements AutoCloseable {
    static {
        HardenedXml.install();
    }

    /** Where to call: the expected certificate name (null: any name our trust accepts), host and port. */
    public record Endpoint(String name, String host, int port) {
        @Override
        public String toString() {
            return (name == null ? "" : name + "@") + host + ":" + port;
        }
    }

    /**
     * A TCP socket from the {@code tcpSockets} supplier may implement this to hear when its
     * connection is about to be kept for another call. Whoever can close the socket from another
     * thread (the fan-out's deadline) must stop being able to before it is pooled, or another
     * call's socket would be closed under it.
     */
    public interface PooledSocket {
        /**
         * Called on the calling thread after a call, just before its connection is pooled. Atomically:
         * stop treating the socket as the call's and return true, or return false when the call was
         * already aborted (the connection is then closed, not pooled).
         */
        boolean leaveCall();
    }

    /** Where TCP sockets come from; the fan-out passes ones it can abort from another thread. */
    private static final Supplier<Socket> PLAIN_SOCKETS = Socket::new;

    private final SSLSocketFactory sockets;
    private final Supplier<Socket> tcpSockets;
    private final Duration connectTimeout;
    private final Duration replyTimeout;
    private final long maxReplyBytes;
    private final XmlRpcClient xmlrpc = new XmlRpcClient();
    private final ConnectionPool pool = new ConnectionPool();
    private final java.util.concurrent.atomic.AtomicLong opened = new java.util.concurrent.atomic.AtomicLong();

    /**
     * What the client holds and did, for metrics: idle kept-alive connections now, and connections
     * opened since it was made (each one TLS handshake, full or resumed).
     */
    public record ClientStats(int pooledConnections, long connectionsOpened) {}

    public ClientStats stats() {
        return new ClientStats(pool.size(), opened.get());
    }

    public RpcClient(SSLContext tls, Duration connectTimeout, Duration replyTimeout) {
        this(tls, connectTimeout, replyTimeout, 64L * 1024 * 1024);
    }

    public RpcClient(SSLContext tls, Duration connectTimeout, Duration replyTimeout, long maxReplyBytes) {
        this(tls, connectTimeout, replyTimeout, maxReplyBytes, PLAIN_SOCKETS);
    }

    /**
     * As above; {@code tcpSockets} makes the unconnected TCP socket of each new connection (TLS is
     * layered on it), so that a caller can track and close the sockets of a call.
     */
    public RpcClient(SSLContext tls, Duration connectTimeout, Duration replyTimeout, long maxReplyBytes,
                     Supplier<Socket> tcpSockets) {
        this.sockets = tls.getSocketFactory();
        this.tcpSockets = tcpSockets;
        this.connectTimeout = connectTimeout;
        this.replyTimeout = replyTimeout;
        this.maxReplyBytes = maxReplyBytes;
    }

    /** Calls one method with the client's default reply timeout. */
    public Object call(Endpoint endpoint, String method, Object... params) throws XmlRpcException {
        return call(endpoint, replyTimeout, method, params);
    }

    /**
     * Calls one method; {@code replyTimeout} bounds each read (a long poll passes a longer one).
     * A kept-alive connection to the endpoint is reused when there is one; a call is never sent
     * twice (a connection that breaks under a call fails the call).
     */
    public Object call(Endpoint endpoint, Duration replyTimeout, String method, Object... params) throws XmlRpcException {
        XmlRpcClientConfigImpl config = new XmlRpcClientConfigImpl();
        config.setEnabledForExtensions(false);
        config.setEnabledForExceptions(false);
        config.setEncoding("UTF-8");
        config.setContentLengthOptional(false);
        byte[] body = request(config, method, params);
        int readMillis = toMillis(replyTimeout);
        HttpConnection c = pool.take(endpoint);
        try {
            if (c == null) {
                c = HttpConnection.open(endpoint, sockets, tcpSockets, toMillis(connectTimeout), readMillis);
                opened.incrementAndGet();
            }
            HttpConnection.Reply reply = c.post(body, readMillis);
            if (reply.status() != 200) {
                throw httpError(reply);
            }
            SafeResponseParser answer = parse(config, reply.body());
            // a fault is an answer too: the connection can carry the next call
            if (c.reusable(reply) && c.leaveCall()) {
                pool.give(c);
            } else {
                c.close();
            }
            c = null;
            if (answer.isSuccess()) {
                return answer.getResult();
            }
            throw new XmlRpcException(answer.getErrorCode(), answer.getErrorMessage());
        } catch (java.io.IOException e) {
            throw new XmlRpcClientException(describe(e), e);
        } finally {
            if (c != null) {
                c.close();
            }
        }
    }

    /**
     * Closes the idle kept-alive connections. The client stays usable: new calls connect anew and
     * their connections are kept alive again (a call running meanwhile keeps its connection too).
     */
    @Override
    public void close() {
        pool.closeAll();
    }

    private byte[] request(XmlRpcClientConfigImpl config, String method, Object[] params) throws XmlRpcException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(512);
        try {
            ContentHandler xml = LeanXmlWriters.INSTANCE.getXmlWriter(config, buf);
            new XmlRpcWriter(config, xml, xmlrpc.getTypeFactory())
                    .write(new XmlRpcClientRequestImpl(config, method, params == null ? new Object[0] : params));
        } catch (SAXException e) {
            Exception inner = e.getException();
            if (inner instanceof XmlRpcException x) {
                throw x;
            }
            throw new XmlRpcClientException("cannot send this call: " + e.getMessage(), inner != null ? inner : e);
        }
        return buf.toByteArray();
    }

    /** Reads a whole reply: its value or its fault. */
    private SafeResponseParser parse(XmlRpcClientConfigImpl config, InputStream body) throws XmlRpcException {
        SafeResponseParser parser = new SafeResponseParser(config, xmlrpc.getTypeFactory());
        try {
            HardenedXml.parse(new InputSource(new LimitedInputStream(body, maxReplyBytes)), parser);
        } catch (SAXException e) {
            throw new XmlRpcClientException("not an XML-RPC reply: " + e.getMessage(), e);
        } catch (java.io.IOException e) {
            throw new XmlRpcClientException("failed to read the reply: " + e.getMessage(), e);
        }
        return parser;
    }

    /** A reply that is not "200 OK": an error with the status and the start of the server's text. */
    private static XmlRpcHttpTransportException httpError(HttpConnection.Reply reply) throws java.io.IOException {
        byte[] text = reply.body().readNBytes(512);
        String said = new String(text, StandardCharsets.UTF_8).strip();
        return new XmlRpcHttpTransportException(reply.status(), reply.reason(),
                "HTTP " + reply.status() + " " + reply.reason() + (said.isEmpty() ? "" : ": " + said));
    }

    private static String describe(java.io.IOException e) {
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return "call failed: " + msg;
    }

    private static int toMillis(Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, d.toMillis()));
    }

    /** Drops {@code faultCause} before the stock parser would deserialise it. */
    static final class SafeResponseParser extends XmlRpcResponseParser {
        private boolean inFault;

        SafeResponseParser(XmlRpcStreamRequestConfig cfg, org.apache.xmlrpc.common.TypeFactory types) {
            super(cfg, types);
        }

        @Override
        public void startElement(String uri, String local, String qName, Attributes attrs) throws SAXException {
            if ("fault".equals(local)) {
                inFault = true;
            }
            super.startElement(uri, local, qName, attrs);
        }

        @Override
        protected void addResult(Object result) throws SAXException {
            if (inFault && result instanceof Map<?, ?> map) {
                map.remove("faultCause");
            }
            super.addResult(result);
        }
    }
}
