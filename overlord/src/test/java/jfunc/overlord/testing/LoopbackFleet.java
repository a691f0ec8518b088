package jfunc.overlord.testing;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import jfunc.common.Faults;
import jfunc.common.StateDir;
import jfunc.common.rpc.RpcCall;
import jfunc.common.rpc.RpcDispatcher;
import jfunc.common.rpc.RpcServer;
import jfunc.common.testing.TestPki;
import jfunc.common.tls.Identity;
import jfunc.common.tls.Pem;
import jfunc.overlord.MinionAddress;
import org.apache.xmlrpc.XmlRpcException;

/**
 * Real minion-shaped servers on 127.0.0.1 for overlord tests: healthy TLS XML-RPC servers
 * ({@link RpcServer} with a small dispatcher) and the misbehaving peers a real minion cannot be
 * made to act like: a closed port, a blackhole (accepts TCP, never answers), a garbage server
 * (valid TLS, answers HTML), a trickler (valid TLS, starts an XML-RPC reply and then sends one
 * byte every 200 ms for ever) and a minion whose certificate is revoked. Close it after use.
 */
public final class LoopbackFleet implements AutoCloseable {
    public final TestPki pki = new TestPki();
    public final Identity overlord = pki.overlord();
    /** The highest number of calls seen running at once on healthy servers. */
    public final AtomicInteger maxConcurrent = new AtomicInteger();
    /** Peer certificate names of the calls healthy servers answered. */
    public final List<String> callers = new CopyOnWriteArrayList<>();
    /** Trickle replies still being written (the client has not gone away yet). */
    public final AtomicInteger trickling = new AtomicInteger();

    private final AtomicInteger running = new AtomicInteger();
    private final List<AutoCloseable> closers = new ArrayList<>();
    private final List<Identity> toRevoke = new ArrayList<>();
    private final ExecutorService handlers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fleet-handler");
        t.setDaemon(true);
        return t;
    });

    public MinionAddress healthy(String name) throws IOException {
        return serve(name, pki.minion(name));
    }

    /** A server whose certificate is revoked once {@link #applyRevocations()} ran. */
    public MinionAddress revoked(String name) throws IOException {
        Identity id = pki.minion(name);
        toRevoke.add(id);
        return serve(name, id);
    }

    /** Revokes the certificates of {@link #revoked} servers in the shared trust (takes ~1 s). */
    public void applyRevocations() {
        for (Identity id : toRevoke) {
            pki.revoke(id);
        }
    }

    public MinionAddress dead(String name) throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        return new MinionAddress(name, "127.0.0.1", port);
    }

    public MinionAddress blackhole(String name) throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        List<Socket> held = new CopyOnWriteArrayList<>();
        handlers.execute(() -> {
            while (!server.isClosed()) {
                try {
                    held.add(server.accept()); // and never read or write
                } catch (IOException e) {
                    return;
                }
            }
        });
        closers.add(() -> {
            server.close();
            for (Socket s : held) {
                s.close();
            }
        });
        return new MinionAddress(name, "127.0.0.1", server.getLocalPort());
    }

    public MinionAddress garbage(String name) throws IOException {
        return https(name, exchange -> {
            byte[] html = "<html><body>It works!</body></html>".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/html");
            exchange.sendResponseHeaders(200, html.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(html);
            }
        });
    }

    public MinionAddress trickle(String name) throws IOException {
        return https(name, exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().set("Content-Type", "text/xml");
            exchange.sendResponseHeaders(200, 0);
            trickling.incrementAndGet();
            try (OutputStream out = exchange.getResponseBody()) {
                out.write("<?xml version=\"1.0\"?><methodResponse>".getBytes(StandardCharsets.UTF_8));
                for (int i = 0; i < 600; i++) {
                    out.write(' ');
                    out.flush();
                    Thread.sleep(200);
                }
            } catch (IOException | InterruptedException e) {
                // the client went away
            } finally {
                trickling.decrementAndGet();
            }
        });
    }

    /** Writes a state dir for these minions: overlord identity, CA cert, CRL and CA records. */
    public StateDir writeState(Path root, List<MinionAddress> minions) throws IOException {
        return writeState(root, pki, overlord, minions);
    }

    /** Writes a state dir as `jfunc-ca init` and enrolment would: the overlord's files and signed records. */
    public static StateDir writeState(Path root, TestPki pki, Identity overlord, List<MinionAddress> minions)
            throws IOException {
        StateDir state = new StateDir(root);
        Path o = Files.createDirectories(state.overlord());
        Files.writeString(o.resolve("overlord.key"), Pem.encodePrivateKey(overlord.key()));
        Files.writeString(o.resolve("overlord.crt"), Pem.encode(overlord.certificate()));
        Files.writeString(o.resolve("ca.crt"), Pem.encode(pki.caCertificate()));
        Files.writeString(o.resolve("crl.pem"), Pem.encode(pki.crl()));
        Path records = Files.createDirectories(state.ca().resolve("records"));
        for (MinionAddress m : minions) {
            Files.writeString(records.resolve(m.name() + ".properties"), "name=" + m.name() + "\naddress="
                    + m.hostPort() + "\nstate=signed\nserial=01\n");
        }
        return state;
    }

    /** Starts a TLS XML-RPC server on 127.0.0.1 (ephemeral port) named {@code name}, holding {@code id}'s certificate. */
    public static RpcServer startServer(TestPki pki, String name, Identity id, int workers, RpcDispatcher dispatcher)
            throws IOException {
        RpcServer.Options opts = RpcServer.Options.defaults(new InetSocketAddress("127.0.0.1", 0))
                .withName(name).withWorkerThreads(workers);
        return RpcServer.start(opts, pki.context(id), dispatcher);
    }

    private MinionAddress serve(String name, Identity id) throws IOException {
        RpcServer server = startServer(pki, name, id, 4, this::dispatch);
        closers.add(server);
        return new MinionAddress(name, "127.0.0.1", server.address().getPort());
    }

    private Object dispatch(RpcCall call) throws XmlRpcException {
        callers.add(String.valueOf(call.peerName()));
        int now = running.incrementAndGet();
        maxConcurrent.accumulateAndGet(now, Math::max);
        try {
            return switch (call.method()) {
                case "test.ping" -> true;
                case "test.echo" -> call.params().isEmpty() ? "" : call.params().get(0);
                case "test.sleep" -> {
                    Thread.sleep(((Number) call.params().get(0)).longValue());
                    yield true;
                }
                case "command.run" -> new Object[] {0, "first line\nsecond line\n", ""};
                default -> throw new XmlRpcException(Faults.UNKNOWN_METHOD, "unknown method " + call.method());
            };
        } catch (InterruptedException e) {
            throw new XmlRpcException(Faults.UNAVAILABLE, "interrupted");
        } finally {
            running.decrementAndGet();
        }
    }

    public MinionAddress https(String name, com.sun.net.httpserver.HttpHandler handler) throws IOException {
        HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        server.setHttpsConfigurator(new HttpsConfigurator(pki.context(pki.minion(name))));
        server.createContext("/", handler);
        server.setExecutor(handlers);
        server.start();
        closers.add(() -> server.stop(0));
        return new MinionAddress(name, "127.0.0.1", server.getAddress().getPort());
    }

    @Override
    public void close() {
        for (AutoCloseable c : closers) {
            try {
                c.close();
            } catch (Exception e) {
                // best effort
            }
        }
        handlers.shutdownNow();
    }
}
