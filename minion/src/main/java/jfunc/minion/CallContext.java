package jfunc.minion;

import java.util.function.Predicate;
import jfunc.common.Faults;
import org.apache.xmlrpc.XmlRpcException;

/**
 * Who is calling: the certificate name of the caller and what that caller may call. A handler
 * that runs another method on the caller's behalf (jobs.submit) checks it with
 * {@link #checkAllowed}.
 */
public record CallContext(String caller, Predicate<String> permissions) {
    public CallContext {
        caller = caller == null ? "" : caller;
        permissions = permissions == null ? m -> false : permissions;
    }

    /** A context that may call everything (start-up work, tests). */
    public static CallContext trusted(String caller) {
        return new CallContext(caller, m -> true);
    }

    public boolean mayCall(String method) {
        return permissions.test(method);
    }

    /** Throws FORBIDDEN ("forbidden: 'web2' may not call command.run") unless allowed. */
    public void checkAllowed(String method) throws XmlRpcException {
        if (!mayCall(method)) {
            throw forbidden(caller, method);
        }
    }

    static XmlRpcException forbidden(String caller, String method) {
        return new XmlRpcException(Faults.FORBIDDEN, "forbidden: '" + caller + "' may not call " + method);
    }
}
