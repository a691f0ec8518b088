package jfunc.minion.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGTERM and SIGHUP handlers through {@code sun.misc.Signal} (jdk.unsupported, present in
 * every JDK since 9). Where it is unavailable the JVM's defaults stay: SIGTERM still runs the
 * shutdown hook, SIGHUP then also stops the process.
 */
final class Signals {
    private static final Logger log = LoggerFactory.getLogger(Signals.class);

    private Signals() {}

    static void onTerminate(Runnable action) {
        handle("TERM", action);
        handle("INT", action);
    }

    static void onHangup(Runnable action) {
        handle("HUP", action);
    }

    private static void handle(String name, Runnable action) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal(name), s -> {
                log.info("SIG{} received", name);
                action.run();
            });
        } catch (IllegalArgumentException | LinkageError e) {
            log.debug("cannot handle SIG{}: {}", name, e.toString());
        }
    }
}
