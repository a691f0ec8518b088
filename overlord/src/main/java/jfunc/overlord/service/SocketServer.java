package jfunc.overlord.service;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import jfunc.common.rpc.RpcDispatcher;
import jfunc.common.rpc.XmlRpcHandler;
import org.apache.xmlrpc.XmlRpcException;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * XML-RPC over HTTP/1.1 on a Unix-domain socket (Jetty 12 core, no servlets): the service's
 * door for the CLI and scripts, through the same {@link XmlRpcHandler} as the TLS port. The
 * socket file is 0600; besides, every request's peer credentials are checked before its body is
 * read, so a caller running as another user is refused (HTTP 403) even if the file mode was
 * loosened. Bodies are capped, one by one and together; malformed, oversized or cut-short
 * requests get a fault; idle and half-sent connections are closed after the idle timeout and
 * hold no thread meanwhile (Jetty's selector waits for them).
 */
final class SocketServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SocketServer.class);
    static final long MAX_BODY_BYTES = 4L * 1024 * 1024;
    /** Request bodies held at once, across all connections; beyond it a call gets fault UNAVAILABLE (busy). */
    static final long BODY_BUDGET_BYTES = 4 * MAX_BODY_BYTES;
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
        RpcDispatcher dispatcher = call -> {
            calls.accept(call.method());
            return methods.call(call.method(), call.params());
        };
        server.setHandler(new SameUserHandler(dispatcher, threads));
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

    /** The one XML-RPC handler, refusing another user's request at its head (before the body). */
    private static final class SameUserHandler extends XmlRpcHandler {
        SameUserHandler(RpcDispatcher dispatcher, Executor calls) {
            super(dispatcher, MAX_BODY_BYTES, BODY_BUDGET_BYTES, calls);
        }

        @Override
        protected String refusal(Request request, X509Certificate peer) {
            if (sameUser(request.getConnectionMetaData().getConnection().getEndPoint())) {
                return null;
            }
            log.warn("refused a request on {} from another user", request.getConnectionMetaData().getConnector());
            return "the overlord service answers only its own user";
        }

        @Override
        protected boolean tooLargeIsFault() {
            return true;
        }
    }
}
