package jfunc.common;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGTERM and SIGHUP handlers through {@code sun.misc.Signal} (jdk.unsupported, present in
 * every JDK since 9). Where it is unavailable the JVM's defaults stay: SIGTERM still runs the
 * shutdown hook, SIGHUP then also stops the process. Used by the daemons (jfuncd, jfunc-overlord).
 */
public final class Signals {
    private static final Logger log = LoggerFactory.getLogger(Signals.class);

    private Signals() {}

    public static void onTerminate(Runnable action) {
        handle("TERM", action);
        handle("INT", action);
    }

    /** Returns false (and warns) when SIGHUP cannot be handled, e.g. ignored under nohup. */
    public static boolean onHangup(Runnable action) {
        String problem = handle("HUP", action);
        if (problem != null) {
            log.warn("SIGHUP cannot be handled ({}): `kill -HUP` will not re-read settings (jfuncd: ACL and CRL;"
                    + " jfunc-overlord: inventory, identity, CRL); restart to apply changes (jfuncd still refreshes"
                    + " its CRL every crl_refresh)", problem);
        }
        return problem == null;
    }

    /** Installs the handler; returns why it could not, or null. */
    private static String handle(String name, Runnable action) {
        try {
            sun.misc.SignalHandler old = sun.misc.Signal.handle(new sun.misc.Signal(name), s -> {
                log.info("SIG{} received", name);
                action.run();
            });
            if (old == sun.misc.SignalHandler.SIG_IGN) {
                // the JVM keeps a signal its parent ignored ignored (nohup): our handler never runs
                sun.misc.Signal.handle(new sun.misc.Signal(name), sun.misc.SignalHandler.SIG_IGN);
                return "SIG" + name + " is ignored by the parent process (started under nohup?)";
            }
            return null;
        } catch (IllegalArgumentException | LinkageError e) {
            log.debug("cannot handle SIG{}: {}", name, e.toString());
            return e.toString();
        }
    }
}
