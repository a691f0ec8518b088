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
 * refuses a CRL not signed by our CA or older than the one in use).
 */
final class CrlRefresher {
    private static final Logger log = LoggerFactory.getLogger(CrlRefresher.class);

    private final Enrolment ca;
    private final MinionIdentity files;
    private final CaTrust trust;
    private FileTime seen;
    private String lastCaProblem;

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
                return;
            } catch (EnrolmentException e) {
                if (!e.getMessage().equals(lastCaProblem)) {
                    log.warn("CRL not fetched from the CA ({}); using {}", e.getMessage(), files.crlFile());
                    lastCaProblem = e.getMessage();
                }
            }
            if (!Files.exists(files.crlFile())) {
                return;
            }
            FileTime modified = Files.getLastModifiedTime(files.crlFile());
            if (!modified.equals(seen)) {
                apply(LeanPem.crl(files.crlFile()));
                seen = modified;
            }
        } catch (Exception e) {
            log.warn("CRL not refreshed: {}", e.getMessage() == null ? e.toString() : e.getMessage());
        }
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
