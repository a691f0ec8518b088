package jfunc.minion.cli;

import java.nio.file.Files;
import java.nio.file.attribute.FileTime;
import java.security.cert.X509CRL;
import jfunc.common.tls.CaTrust;
import jfunc.common.tls.LeanPem;
import jfunc.minion.MinionIdentity;
import jfunc.certs.enrol.EnrolmentException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the CRL in use current: fetches it from the CA when it can, else re-reads
 * {@code crl.pem} when the file changed, and applies it with {@link CaTrust#updateCrl} (which
 * refuses a CRL not signed by our CA or older than the one in use). Runs on a timer through
 * {@link jfunc.common.Periodic} (an Error in one run does not stop the next); {@link #lastRefreshed}
 * feeds the {@link CrlWatchdog}.
 */
final class CrlRefresher {
    private static final Logger log = LoggerFactory.getLogger(CrlRefresher.class);

    private final Enrolment ca;
    private final MinionIdentity files;
    private final CaTrust trust;
    private FileTime seen;
    private String lastCaProblem;
    /** System.nanoTime of the last run that finished (from the CA or from crl.pem). */
    private volatile long lastRefreshed = System.nanoTime();

    CrlRefresher(Enrolment ca, MinionIdentity files, CaTrust trust) {
        this.ca = ca;
        this.files = files;
        this.trust = trust;
    }

    synchronized void refresh() {
        try {
            try {
                apply(ca.fetchCrl()); // the client also wrote crl.pem when it was newer
                seen = Files.exists(files.crlFile()) ? Files.getLastModifiedTime(files.crlFile()) : null;
                lastCaProblem = null;
                lastRefreshed = System.nanoTime();
                return;
            } catch (EnrolmentException e) {
                if (!e.getMessage().equals(lastCaProblem)) {
                    log.warn("CRL not fetched from the CA ({}); using {}", e.getMessage(), files.crlFile());
                    lastCaProblem = e.getMessage();
                }
            }
            if (Files.exists(files.crlFile())) {
                FileTime modified = Files.getLastModifiedTime(files.crlFile());
                if (!modified.equals(seen)) {
                    apply(LeanPem.crl(files.crlFile()));
                    seen = modified;
                }
            }
            lastRefreshed = System.nanoTime();
        } catch (Exception e) {
            log.warn("CRL not refreshed: {}", e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    /** System.nanoTime of the last refresh that finished. */
    long lastRefreshed() {
        return lastRefreshed;
    }

    /** The CRL in use (null: none). */
    X509CRL inUse() {
        return trust.crl();
    }

    private void apply(X509CRL crl) throws Exception {
        X509CRL before = trust.crl();
        trust.updateCrl(crl);
        if (before == null || !before.getThisUpdate().equals(trust.crl().getThisUpdate())) {
            log.info("CRL updated (issued {}, {} revoked)", crl.getThisUpdate().toInstant(),
                    crl.getRevokedCertificates() == null ? 0 : crl.getRevokedCertificates().size());
        }
    }
}
