package jfunc.certs.service;

import java.util.function.Predicate;
import jfunc.certs.CaException;
import jfunc.certs.CaStore;
import jfunc.common.Faults;
import jfunc.common.rpc.RpcCall;
import jfunc.common.rpc.RpcDispatcher;
import org.apache.xmlrpc.XmlRpcException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The two enrolment methods. Wrong argument count or types are fault BAD_ARGUMENTS; any other
 * problem with the request itself is a {@code refused} answer with a reason; a CA whose files
 * cannot be read is fault UNAVAILABLE (the minion keeps retrying; the log has the path).
 */
final class EnrolmentEndpoint implements RpcDispatcher {
    private static final Logger log = LoggerFactory.getLogger(EnrolmentEndpoint.class);

    private final CaStore store;
    private final Predicate<String> autosign;

    EnrolmentEndpoint(CaStore store, Predicate<String> autosign) {
        this.store = store;
        this.autosign = autosign;
    }

    @Override
    public Object call(RpcCall call) throws XmlRpcException {
        try {
            return switch (call.method()) {
                case "certs.submit_csr" -> {
                    expect(call, "certs.submit_csr(name, csr_pem, address)", 3);
                    String caller = call.remote() == null ? null : call.remote().getAddress().getHostAddress();
                    yield store.submit(text(call, 0), text(call, 1), text(call, 2), caller, autosign).toStruct();
                }
                case "certs.fetch" -> {
                    expect(call, "certs.fetch(name)", 1);
                    yield store.fetch(text(call, 0)).toStruct();
                }
                default -> throw new XmlRpcException(Faults.UNKNOWN_METHOD, "unknown method " + call.method()
                        + ": the enrolment service has certs.submit_csr and certs.fetch");
            };
        } catch (CaException e) {
            log.error("cannot answer {}: {}", call.method(), e.getMessage());
            throw new XmlRpcException(Faults.UNAVAILABLE, "the CA cannot answer right now: " + e.getMessage());
        }
    }

    private static void expect(RpcCall call, String signature, int count) throws XmlRpcException {
        if (call.params().size() != count) {
            throw new XmlRpcException(Faults.BAD_ARGUMENTS, signature + " takes " + count + " argument"
                    + (count == 1 ? "" : "s") + ", got " + call.params().size());
        }
        for (int i = 0; i < count; i++) {
            if (!(call.params().get(i) instanceof String)) {
                Object v = call.params().get(i);
                throw new XmlRpcException(Faults.BAD_ARGUMENTS, signature + ": argument " + (i + 1)
                        + " must be a string, got " + (v == null ? "nothing" : v.getClass().getSimpleName()));
            }
        }
    }

    private static String text(RpcCall call, int i) {
        return (String) call.params().get(i);
    }
}
