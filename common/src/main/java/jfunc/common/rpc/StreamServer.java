package jfunc.common.rpc;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import jfunc.common.Faults;
import jfunc.common.WireValues;
import org.apache.xmlrpc.XmlRpcException;
import org.apache.xmlrpc.XmlRpcRequest;
import org.apache.xmlrpc.XmlRpcRequestConfig;
import org.apache.xmlrpc.parser.XmlRpcRequestParser;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.apache.xmlrpc.common.ServerStreamConnection;
import org.apache.xmlrpc.common.XmlRpcHttpRequestConfigImpl;
import org.apache.xmlrpc.common.XmlRpcStreamRequestConfig;
import org.apache.xmlrpc.server.XmlRpcServerConfigImpl;
import org.apache.xmlrpc.server.XmlRpcStreamServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Apache XML-RPC's stream server with our rules: extensions off, every call handed to one
 * {@link RpcDispatcher}, results through {@link WireValues}, and every failure answered as a
 * fault with a code from {@link Faults} (never a dropped connection, never a Java exception).
 */
final class StreamServer extends XmlRpcStreamServer {
    private static final Logger log = LoggerFactory.getLogger(StreamServer.class);

    private final RpcDispatcher dispatcher;

    StreamServer(RpcDispatcher dispatcher) {
        this.dispatcher = dispatcher;
        XmlRpcServerConfigImpl config = new XmlRpcServerConfigImpl();
        config.setEnabledForExtensions(false);
        config.setEnabledForExceptions(false);
        config.setKeepAliveEnabled(true);
        config.setContentLengthOptional(false);
        config.setEncoding("UTF-8");
        setConfig(config);
        setXMLWriterFactory(LeanXmlWriters.INSTANCE);
        setErrorLogger(new org.apache.xmlrpc.server.XmlRpcErrorLogger() {
            @Override
            public void log(String msg, Throwable t) {
                log.debug("{}: {}", msg, t.toString());
            }

            @Override
            public void log(String msg) {
                log.debug(msg);
            }
        });
    }

    /** Per-request settings that also carry who is calling. */
    static final class CallConfig extends XmlRpcHttpRequestConfigImpl {
        final ServerConnection connection;
        final java.security.cert.X509Certificate peer;
        final InetSocketAddress remote;

        CallConfig(ServerConnection connection) {
            this.connection = connection;
            this.peer = connection.peer();
            this.remote = connection.remote;
            setEncoding("UTF-8");
            setEnabledForExtensions(false);
            setEnabledForExceptions(false);
            setContentLengthOptional(false);
        }
    }

    /** The request body and the reply of one HTTP exchange. */
    static final class Connection implements ServerStreamConnection {
        private final ServerConnection connection;
        private final ServerConnection.Body body;
        private final boolean keepAliveWanted;
        private final long headNanos;
        private boolean keptAlive;

        Connection(ServerConnection connection, ServerConnection.Body body, boolean keepAliveWanted, long headNanos) {
            this.headNanos = headNanos;
            this.connection = connection;
            this.body = body;
            this.keepAliveWanted = keepAliveWanted;
        }

        /** Whether the reply left the connection open for another request. */
        boolean keptAlive() {
            return keptAlive;
        }

        /** Starts the reply; the connection stays only if the whole body was read (else its rest would be taken for the next request). */
        OutputStream reply(int size) {
            keptAlive = keepAliveWanted && body.complete();
            connection.setDeadline(connection.transferDeadline(headNanos, size));
            return connection.reply(200, "OK", "text/xml; charset=UTF-8", size, !keptAlive);
        }

        @Override
        public InputStream newInputStream() {
            return body;
        }

        @Override
        public OutputStream newOutputStream() {
            throw new UnsupportedOperationException("replies are buffered to know their length");
        }

        @Override
        public void close() {
            // the connection outlives the exchange; RpcServer decides when to close it
        }
    }

    @Override
    public Object execute(XmlRpcRequest request) throws XmlRpcException {
        CallConfig config = (CallConfig) request.getConfig();
        config.connection.clearDeadline(); // the request is read; a call may run as long as it needs
        List<Object> params = new ArrayList<>(request.getParameterCount());
        for (int i = 0; i < request.getParameterCount(); i++) {
            params.add(request.getParameter(i));
        }
        RpcCall call = new RpcCall(request.getMethodName(), params, config.peer, config.remote);
        try {
            return WireValues.toWire(dispatcher.call(call));
        } catch (XmlRpcException e) {
            throw e;
        } catch (RuntimeException | Error e) {
            log.error("{} from {} failed", call.method(), call.caller(), e);
            throw new XmlRpcException(Faults.INTERNAL_ERROR, "internal error in " + call.method() + ": " + e);
        }
    }

    /** The stock request parsing, plus an error handler so that bad XML is not printed to stderr. */
    @Override
    protected XmlRpcRequest getRequest(XmlRpcStreamRequestConfig config, InputStream in) throws XmlRpcException {
        XmlRpcRequestParser parser = new XmlRpcRequestParser(config, getTypeFactory());
        try {
            HardenedXml.parse(new InputSource(in), parser);
        } catch (SAXException e) {
            Exception inner = e.getException();
            throw new XmlRpcException("Failed to parse XML-RPC request: " + e.getMessage(), inner != null ? inner : e);
        } catch (IOException e) {
            throw new XmlRpcException("Failed to read XML-RPC request: " + e.getMessage(), e);
        }
        String method = parser.getMethodName();
        List<?> params = parser.getParams() == null ? List.of() : parser.getParams();
        return new XmlRpcRequest() {
            @Override
            public XmlRpcRequestConfig getConfig() {
                return config;
            }

            @Override
            public String getMethodName() {
                return method;
            }

            @Override
            public int getParameterCount() {
                return params.size();
            }

            @Override
            public Object getParameter(int i) {
                return params.get(i);
            }
        };
    }

    @Override
    protected InputStream getInputStream(XmlRpcStreamRequestConfig config, ServerStreamConnection conn) throws IOException {
        return conn.newInputStream();
    }

    @Override
    protected boolean isContentLengthRequired(XmlRpcStreamRequestConfig config) {
        return true;  // we buffer the reply, so its length is known before the headers go out
    }

    @Override
    protected OutputStream getOutputStream(ServerStreamConnection conn, XmlRpcStreamRequestConfig config,
                                           OutputStream out) {
        return out;
    }

    @Override
    protected OutputStream getOutputStream(XmlRpcStreamRequestConfig config, ServerStreamConnection conn,
                                           int size) throws IOException {
        return ((Connection) conn).reply(size);
    }

    @Override
    protected void writeError(XmlRpcStreamRequestConfig config, OutputStream out, Throwable t) throws XmlRpcException {
        super.writeError(config, out, classify(t));
    }

    /** Gives every failure one of our codes and a message a user can act on. */
    static XmlRpcException classify(Throwable t) {
        if (t instanceof XmlRpcException x && x.code != 0) {
            return x;
        }
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof XmlRpcException x && x.code != 0) {
                return x;
            }
        }
        String why = t.getMessage() == null ? t.toString() : t.getMessage();
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root != t && root.getMessage() != null) {
            why = why + " (" + root.getMessage() + ")";
        }
        return new XmlRpcException(Faults.MALFORMED_REQUEST, "malformed XML-RPC request: " + why);
    }
}
