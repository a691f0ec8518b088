package jfunc.minion.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives memory back once the minion has been idle for a while after serving calls: a few full
 * collections in a row (the Serial collector shrinks the heap only gradually over consecutive
 * full collections), which also clear soft references. Never runs while calls arrive.
 * {@link #collect} is also run once when start-up is over: start-up garbage (certificate
 * parsing, configuration, module discovery) grew the heap.
 */
final class IdleGc implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(IdleGc.class);
    private static final int COLLECTIONS = 4;

    private final java.util.function.LongSupplier calls;
    private long seen = -1;
    private long collectedAt = 0;

    IdleGc(java.util.function.LongSupplier calls) {
        this.calls = calls;
    }

    /** Run once per idle interval: collects when no call came since the last run but some since the last collection. */
    @Override
    public synchronized void run() {
        long now = calls.getAsLong();
        if (now == seen && now != collectedAt) {
            collect();
            collectedAt = now;
        }
        seen = now;
    }

    /** Collects until the heap has shrunk to what is in use (plus MaxHeapFreeRatio). */
    static void collect() {
        long before = used();
        for (int i = 0; i < COLLECTIONS; i++) {
            System.gc();
        }
        log.debug("idle: heap {} KB in use, was {} KB; {} KB committed", used() / 1024, before / 1024,
                Runtime.getRuntime().totalMemory() / 1024);
    }

    private static long used() {
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }
}
