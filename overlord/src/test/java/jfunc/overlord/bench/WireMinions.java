package jfunc.overlord.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jfunc.common.Faults;
import jfunc.common.Ids;
import jfunc.common.StateDir;
import jfunc.common.rpc.RpcCall;
import jfunc.common.rpc.RpcServer;
import jfunc.common.testing.TestPki;
import jfunc.common.tls.Identity;
import jfunc.overlord.MinionAddress;
import jfunc.overlord.testing.LoopbackFleet;
import org.apache.xmlrpc.XmlRpcException;

/**
 * Many light minions in one JVM for the benchmark: each a real TLS XML-RPC {@link RpcServer}
 * with its own certificate, speaking the jobs protocol of docs/PROTOCOL.md from memory
 * ({@code jobs.submit} idempotent by request id, {@code jobs.status}, {@code status_many},
 * {@code wait}); {@code test.ping} jobs finish at once. A thousand real jfuncd servers (each
 * with its own status file) would measure the minions; this measures the overlord.
 */
final class WireMinions implements AutoCloseable {
    final TestPki pki = new TestPki();
    private final List<RpcServer> servers = new ArrayList<>();

    List<MinionAddress> start(int n) throws IOException {
        List<MinionAddress> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String name = String.format("m%04d.bench.example.org", i);
            Identity id = pki.minion(name);
            Map<String, String> byRequest = new ConcurrentHashMap<>();
            Map<String, Map<String, Object>> records = new ConcurrentHashMap<>();
            RpcServer server = LoopbackFleet.startServer(pki, name, id, 2, call -> dispatch(call, byRequest, records));
            servers.add(server);
            out.add(new MinionAddress(name, "127.0.0.1", server.address().getPort()));
        }
        return out;
    }

    private static Object dispatch(RpcCall call, Map<String, String> byRequest, Map<String, Map<String, Object>> records)
            throws XmlRpcException {
        List<Object> p = call.params();
        switch (call.method()) {
            case "test.ping":
                return true;
            case "jobs.submit": {
                String method = (String) p.get(1);
                return byRequest.computeIfAbsent((String) p.get(0), k -> {
                    String id = Ids.next();
                    Map<String, Object> r = new LinkedHashMap<>();
                    r.put("id", id);
                    r.put("method", method);
                    r.put("request_id", p.get(0)); // the overlord takes only the record of its own submission
                    r.put("state", "FINISHED");
                    r.put("result", true);
                    records.put(id, r);
                    return id;
                });
            }
            case "jobs.status":
            case "jobs.wait": {
                Map<String, Object> r = records.get((String) p.get(0));
                if (r == null) {
                    throw new XmlRpcException(Faults.UNKNOWN_JOB, "no job " + p.get(0) + " on this minion");
                }
                return r;
            }
            case "jobs.status_many": {
                Map<String, Object> out = new LinkedHashMap<>();
                for (Object id : (Object[]) p.get(0)) {
                    Map<String, Object> r = records.get((String) id);
                    out.put((String) id, r != null ? r : Map.of("id", id, "state", "UNKNOWN", "reason", "no such job"));
                }
                return out;
            }
            default:
                throw new XmlRpcException(Faults.UNKNOWN_METHOD, "unknown method " + call.method());
        }
    }

    /** A state dir for the overlord: its identity, the CA certificate, a CRL and CA records of these minions. */
    StateDir overlordState(Path dir, List<MinionAddress> minions) throws IOException {
        return LoopbackFleet.writeState(dir, pki, pki.overlord(), minions);
    }

    /** TLS handshakes the minions have completed since they started: each is a new connection. */
    long handshakes() {
        return servers.stream().mapToLong(srv -> srv.stats().handshakesDone()).sum();
    }

    @Override
    public void close() {
        servers.forEach(RpcServer::close);
    }
}
