package jfunc.minion;

import java.util.List;
import jfunc.common.Faults;
import jfunc.common.SingleFlight;
import org.apache.xmlrpc.XmlRpcException;

/**
 * Merged requests on the minion: a call of a read-only method ({@link MethodSpec#readOnly})
 * that arrives while an identical one (same method, same arguments) is running waits for that
 * call's answer, or fault, instead of running again, whoever the callers are (each was
 * authorised for the call on its own). Thread-safe.
 */
final class InFlightMerges {
    @FunctionalInterface
    interface Run {
        Object run() throws XmlRpcException;
    }

    private final SingleFlight<String, Object> flights = new SingleFlight<>();

    /** Runs {@code call}, or waits for the identical one in flight (its answer, or its fault). */
    Object call(String method, List<Object> args, Run call) throws XmlRpcException {
        try {
            return flights.run(method + "\u0000" + SingleFlight.text(args), call::run, null);
        } catch (XmlRpcException | RuntimeException e) {
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new XmlRpcException(Faults.UNAVAILABLE, method + ": interrupted while waiting for the identical call in flight");
        } catch (Exception e) {
            throw new XmlRpcException(Faults.INTERNAL_ERROR, method + ": " + e);
        }
    }

    /** Calls answered with another call's answer so far. */
    long merged() {
        return flights.merged();
    }
}
