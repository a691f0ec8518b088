package jfunc.minion.jobs;

import java.util.List;
import jfunc.minion.CallContext;
import jfunc.minion.JobControl;
import jfunc.minion.ModuleRegistry;
import org.apache.xmlrpc.XmlRpcException;

/** Jobs run the minion's modules: validation and invocation through the {@link ModuleRegistry}. */
final class RegistryCalls implements CallRunner {
    private final ModuleRegistry registry;

    RegistryCalls(ModuleRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void validate(String method, List<Object> args) throws XmlRpcException {
        registry.validate(method, args);
    }

    @Override
    public Object run(String method, List<Object> args, CallContext context, JobControl control)
            throws XmlRpcException {
        return registry.invoke(method, args, context.asJob(control));
    }
}
