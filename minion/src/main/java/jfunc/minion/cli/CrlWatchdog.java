package jfunc.minion.cli;

import java.security.cert.X509CRL;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs ERROR once when no CRL refresh has finished for more than twice {@code crl_refresh}
 * (the refresher is failing every time, or hangs), and INFO when refreshes finish again. It runs
 * on its own thread: a refresh that hangs holds the refresher's.
 */
final class CrlWatchdog implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(CrlWatchdog.class);

    private final CrlRefresher refresher;
    private final Duration limit;
    private boolean stale;

    CrlWatchdog(CrlRefresher refresher, Duration refreshInterval) {
        this.refresher = refresher;
        this.limit = refreshInterval.multipliedBy(2);
    }

    /** How often to look: often enough to notice soon after the limit passes. */
    Duration checkEvery() {
        Duration half = limit.dividedBy(4);
        return half.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : half;
    }

    /** True while the CRL in use has not been refreshed for longer than the limit. */
    synchronized boolean stale() {
        return stale;
    }

    @Override
    public synchronized void run() {
        Duration since = Duration.ofNanos(System.nanoTime() - refresher.lastRefreshed());
        boolean now = since.compareTo(limit) > 0;
        if (now && !stale) {
            X509CRL crl = refresher.inUse();
            log.error("the CRL in use has not been refreshed for {} s (crl_refresh x 2 = {} s); certificates"
                    + " revoked since may still be accepted (CRL issued {}, next update {}). See the warnings"
                    + " above; SIGHUP retries at once", since.toSeconds(), limit.toSeconds(),
                    crl == null ? "-" : crl.getThisUpdate().toInstant(),
                    crl == null || crl.getNextUpdate() == null ? "-" : crl.getNextUpdate().toInstant());
        } else if (!now && stale) {
            log.info("the CRL is refreshed again");
        }
        stale = now;
    }
}
