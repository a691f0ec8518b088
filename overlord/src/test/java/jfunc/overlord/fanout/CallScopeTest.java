package jfunc.overlord.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import jfunc.common.rpc.RpcClient;
import jfunc.common.rpc.RpcServer;
import jfunc.common.testing.TestPki;
import org.junit.jupiter.api.Test;

/**
 * A call's scope against a real TLS server: a deadline that fires after the call returned must
 * not close the connection the client kept (another call may be using it by then).
 */
class CallScopeTest {
    static final TestPki pki = new TestPki();

    @Test
    void aLateAbortDoesNotCloseTheKeptConnectionThatTheNextCallUses() throws Exception {
        List<InetSocketAddress> from = new CopyOnWriteArrayList<>();
        try (RpcServer server = RpcServer.start(RpcServer.Options.defaults(new InetSocketAddress("127.0.0.1", 0)),
                pki.context(pki.minion("m1")), call -> {
                    from.add(call.remote());
                    return "pong";
                });
             RpcClient client = new RpcClient(pki.context(pki.overlord()), Duration.ofSeconds(5), Duration.ofSeconds(5),
                     1 << 20, AbortableSockets.supplier())) {
            RpcClient.Endpoint ep = new RpcClient.Endpoint("m1", "127.0.0.1", server.address().getPort());
            CallScope first = CallScope.open();
            assertEquals("pong", client.call(ep, "test.ping"));
            first.abort();            // the watchdog lost the race: the call had already returned
            first.close();
            try (CallScope second = CallScope.open()) {
                assertEquals("pong", client.call(ep, "test.ping"), "the next call is not broken by the late abort");
            }
            assertEquals(from.get(0), from.get(1), "and it reused the kept connection");
        }
    }

    @Test
    void aSocketOfAnAbortedCallIsNotReleasedForReuse() throws Exception {
        try (Socket socket = new Socket(); CallScope scope = CallScope.open()) {
            CallScope.touch(socket);
            scope.abort();
            assertFalse(CallScope.release(socket), "an aborted call's connection must be closed, not pooled");
            assertTrue(socket.isClosed());
        }
    }

    @Test
    void aReleasedSocketIsNoLongerClosedByTheScope() throws Exception {
        try (Socket socket = new Socket(); CallScope scope = CallScope.open()) {
            CallScope.touch(socket);
            assertTrue(CallScope.release(socket));
            scope.abort();
            assertFalse(socket.isClosed());
        }
    }
}
