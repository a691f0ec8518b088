package jfunc.overlord.service;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.function.Consumer;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import jfunc.common.Faults;
import jfunc.common.rpc.XmlRpcMessages;
import org.apache.xmlrpc.XmlRpcException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * XML-RPC over HTTP/1.1 on a Unix-domain socket (Jetty 12 core, no servlets): the service's
 * door for the CLI and scripts. The socket file is 0600; besides, every request's peer
 * credentials are checked before its body is read, so a caller running as another user is
 * refused (HTTP 403) even if the file mode was loosened. Bodies are capped; malformed, oversized
 * or cut-short requests get a fault; idle and half-sent connections are closed after the idle
 * timeout and hold no thread meanwhile (Jetty's selector waits for them).
 */
final class SocketServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SocketServer.class);
    static final long MAX_BODY_BYTES = 4L * 1024 * 1024;
    static final int IDLE_TIMEOUT_MILLIS = 30_000;

    /** What a request calls: method and parameters in, a value out (faults as XmlRpcException). */
    interface Methods {
        Object call(String method, java.util.List<Object> params) throws XmlRpcException;
    }

    private final Server server;
    private final Path socket;

    private SocketServer(Server server, Path socket) {
        this.server = server;
        this.socket = socket;
    }

    /** Listens on {@code socket} (an old file there is replaced: the caller holds the service lock). */
    static SocketServer start(Path socket, Methods methods, Consumer<String> calls) throws Exception {
        Files.deleteIfExists(socket);
        QueuedThreadPool threads = new QueuedThreadPool(512, 4, 60_000);
        threads.setName("socket");
        threads.setDaemon(true);
        Server server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setRequestHeaderSize(8 * 1024);
        UnixDomainServerConnector connector = new UnixDomainServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setUnixDomainPath(socket);
        connector.setIdleTimeout(IDLE_TIMEOUT_MILLIS);
        connector.setAcceptQueueSize(1024);
        server.addConnector(connector);
        server.setHandler(new RpcHandler(methods, calls));
        server.setStopTimeout(5_000);
        server.start();
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        return new SocketServer(server, socket);
    }

    Path socket() {
        return socket;
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            log.debug("stopping the socket server: {}", e.toString());
        }
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            log.debug("removing {}: {}", socket, e.toString());
        }
    }

    /** Same user as this process, from the socket's peer credentials; false when they cannot be read. */
    static boolean sameUser(EndPoint endPoint) {
        if (!(endPoint instanceof SocketChannelEndPoint s)) {
            return false;
        }
        try {
            SocketChannel channel = s.getChannel();
            UnixDomainPrincipal peer = channel.getOption(ExtendedSocketOptions.SO_PEERCRED);
            return peer.user().getName().equals(System.getProperty("user.name"));
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    private static final class RpcHandler extends Handler.Abstract {
        private final Methods methods;
        private final Consumer<String> calls;

        RpcHandler(Methods methods, Consumer<String> calls) {
            this.methods = methods;
            this.calls = calls;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            if (!sameUser(request.getConnectionMetaData().getConnection().getEndPoint())) {
                log.warn("refused a request on {} from another user", request.getConnectionMetaData().getConnector());
                Response.writeError(request, response, callback, HttpStatus.FORBIDDEN_403,
                        "the overlord service answers only its own user");
                return true;
            }
            if (!"POST".equals(request.getMethod())) {
                Response.writeError(request, response, callback, HttpStatus.METHOD_NOT_ALLOWED_405,
                        "POST an XML-RPC request");
                return true;
            }
            byte[] reply;
            if (request.getLength() > MAX_BODY_BYTES) {
                reply = XmlRpcMessages.fault(Faults.REQUEST_TOO_LARGE, "the request is larger than " + MAX_BODY_BYTES + " bytes");
            } else {
                reply = answer(request);
            }
            response.setStatus(HttpStatus.OK_200);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/xml; charset=UTF-8");
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, reply.length);
            response.write(true, ByteBuffer.wrap(reply), callback);
            return true;
        }

        private byte[] answer(Request request) {
            String method = "?";
            try (InputStream body = Content.Source.asInputStream(request)) {
                XmlRpcMessages.Request call = XmlRpcMessages.parseRequest(body, MAX_BODY_BYTES);
                method = call.method();
                calls.accept(method);
                return XmlRpcMessages.reply(methods.call(call.method(), call.params()));
            } catch (XmlRpcException e) {
                return XmlRpcMessages.fault(e.code, e.getMessage());
            } catch (IOException e) {
                return XmlRpcMessages.fault(Faults.MALFORMED_REQUEST, "the request could not be read: " + e.getMessage());
            } catch (RuntimeException e) {
                log.error("{} failed", method, e);
                return XmlRpcMessages.fault(Faults.INTERNAL_ERROR, "internal error in " + method + ": " + e);
            }
        }
    }
}
