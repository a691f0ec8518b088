package jfunc.minion.jobs;

import java.util.List;
import jfunc.common.Faults;
import jfunc.minion.CallContext;
import jfunc.minion.JobControl;
import org.apache.xmlrpc.XmlRpcException;

/** The smallest real call set for store-level tests: test.ping answers true. */
final class TestCalls implements CallRunner {
    static final List<String> MODULES = List.of("test");

    @Override
    public void validate(String method, List<Object> args) throws XmlRpcException {
        if (!method.equals("test.ping")) {
            throw new XmlRpcException(Faults.UNKNOWN_METHOD, "unknown method " + method);
        }
    }

    @Override
    public Object run(String method, List<Object> args, CallContext context, JobControl control) {
        return true;
    }
}
