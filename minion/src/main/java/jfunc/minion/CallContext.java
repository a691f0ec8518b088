package jfunc.minion;

import java.util.function.Predicate;
import jfunc.common.Faults;
import org.apache.xmlrpc.XmlRpcException;

/**
 * Who is calling: the certificate name of the caller and what that caller may call. A handler
 * that runs another method on the caller's behalf (jobs.submit) checks it with
 * {@link #checkAllowed}. {@code job} is the call's {@link JobControl} when it runs as a job
 * ({@link JobControl#NONE} otherwise): a handler that starts processes registers them there.
 */
public record CallContext(String caller, Predicate<String> permissions, JobControl job) {
    public CallContext {
        caller = caller == null ? "" : caller;
        permissions = permissions == null ? m -> false : permissions;
        job = job == null ? JobControl.NONE : job;
    }

    /** A plain (not a job) call. */
    public CallContext(String caller, Predicate<String> permissions) {
        this(caller, permissions, JobControl.NONE);
    }

    /** The same caller, running as the job {@code control}. */
    public CallContext asJob(JobControl control) {
        return new CallContext(caller, permissions, control);
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
