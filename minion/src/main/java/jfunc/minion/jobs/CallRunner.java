package jfunc.minion.jobs;

import java.util.List;
import jfunc.minion.CallContext;
import jfunc.minion.JobControl;
import org.apache.xmlrpc.XmlRpcException;

/**
 * How jobs reach the minion's modules: validate a call by name at once, run it later on a job
 * thread. Implemented over the module registry; tests pass small lambdas doing real work.
 */
public interface CallRunner {
    /**
     * Checks that {@code method} ("module.method") exists and accepts {@code args}; throws a fault
     * ({@code Faults.UNKNOWN_METHOD}, {@code Faults.BAD_ARGUMENTS}, {@code Faults.FORBIDDEN}) otherwise.
     * Must be quick and must not run the call.
     */
    void validate(String method, List<Object> args) throws XmlRpcException;

    /**
     * Runs the call on the current (job) thread and returns its result (any Java value; it is
     * converted to wire form when stored). A fault becomes a FAILED job with the fault's code.
     * {@code context} is the submitter's (its certificate name and permissions).
     * Long-running work should register its OS processes with {@link JobControl#track(Process)}
     * and give up when interrupted.
     */
    Object run(String method, List<Object> args, CallContext context, JobControl control) throws Exception;
}
