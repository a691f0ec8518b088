package jfunc.minion;

import org.apache.xmlrpc.XmlRpcException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One audit line per call, to the logger {@code jfunc.audit} (so it can be filtered, raised or
 * silenced on its own): who called which method, the outcome and how long it took. Argument
 * values are never logged: they may hold secrets (env, file contents).
 */
final class CallAudit {
    static final Logger log = LoggerFactory.getLogger("jfunc.audit");

    private CallAudit() {}

    /** Logs a finished call; {@code failure} null means it answered a value. */
    static void record(String caller, String method, long startNanos, Throwable failure) {
        if (!log.isInfoEnabled()) {
            return;
        }
        long micros = (System.nanoTime() - startNanos) / 1000;
        String outcome;
        if (failure == null) {
            outcome = "ok";
        } else if (failure instanceof XmlRpcException x) {
            outcome = "fault " + x.code + " " + jfunc.common.Faults.label(x.code);
        } else {
            outcome = "error " + failure.getClass().getSimpleName();
        }
        log.info("caller={} method={} outcome={} ms={}", caller, ModuleRegistry.printable(String.valueOf(method)),
                outcome.replace(' ', '_'), String.format(java.util.Locale.ROOT, "%.1f", micros / 1000.0));
    }
}
