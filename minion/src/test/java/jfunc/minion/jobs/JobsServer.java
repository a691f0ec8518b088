package jfunc.minion.jobs;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jfunc.common.Config;
import jfunc.common.Faults;
import jfunc.common.rpc.RpcCall;
import jfunc.common.rpc.RpcClient;
import jfunc.common.rpc.RpcServer;
import jfunc.common.testing.TestPki;
import org.apache.xmlrpc.XmlRpcException;

/**
 * A real TLS XML-RPC server whose dispatcher routes {@code jobs.*}/{@code async.*} to {@link Jobs}
 * and runs other calls synchronously through the same {@link CallRunner}; plus a client holding
 * the overlord's certificate. {@code system.multicall} runs its calls in one {@link Jobs#batch}.
 */
final class JobsServer implements AutoCloseable {
    static final String NAME = "m1.example.org";

    final Jobs jobs;
    final RpcServer rpc;
    final RpcClient client;
    final RpcClient.Endpoint endpoint;

    JobsServer(TestPki pki, Path statusFile, CallRunner calls, Map<String, String> settings) throws Exception {
        Map<String, String> all = new HashMap<>(settings);
        jobs = Jobs.open(statusFile, Config.of(all), calls, TestCalls.MODULES);
        rpc = RpcServer.start(RpcServer.Options.defaults(new InetSocketAddress("127.0.0.1", 0)).withName("jobs-test"),
                pki.context(pki.minion(NAME)), call -> dispatch(calls, call));
        client = new RpcClient(pki.context(pki.overlord()), Duration.ofSeconds(5), Duration.ofSeconds(60));
        endpoint = new RpcClient.Endpoint(NAME, "127.0.0.1", rpc.address().getPort());
    }

    private Object dispatch(CallRunner calls, RpcCall call) throws XmlRpcException {
        if (Jobs.handles(call.method())) {
            return jobs.call(call.method(), call.params());
        }
        if (call.method().equals("system.multicall")) {
            return jobs.batch(() -> multicall(calls, (Object[]) call.params().get(0)));
        }
        calls.validate(call.method(), call.params());
        try {
            return calls.run(call.method(), call.params(), null);
        } catch (XmlRpcException e) {
            throw e;
        } catch (Exception e) {
            throw new XmlRpcException(Faults.MODULE_ERROR, e.toString());
        }
    }

    private List<Object> multicall(CallRunner calls, Object[] batch) {
        List<Object> out = new ArrayList<>();
        for (Object o : batch) {
            Map<?, ?> m = (Map<?, ?>) o;
            String method = (String) m.get("methodName");
            Object[] params = (Object[]) m.get("params");
            try {
                out.add(new Object[] {dispatch(calls, new RpcCall(method, Arrays.asList(params), null, null))});
            } catch (XmlRpcException e) {
                Map<String, Object> fault = new LinkedHashMap<>();
                fault.put("faultCode", e.code);
                fault.put("faultString", e.getMessage());
                out.add(fault);
            }
        }
        return out;
    }

    Object call(String method, Object... params) throws XmlRpcException {
        return client.call(endpoint, method, params);
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> record(String method, Object... params) throws XmlRpcException {
        return (Map<String, Object>) call(method, params);
    }

    @Override
    public void close() {
        rpc.close();
        jobs.close();
    }
}
