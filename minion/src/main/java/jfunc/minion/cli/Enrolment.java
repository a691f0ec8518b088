package jfunc.minion.cli;

import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import jfunc.certs.enrol.EnrolmentClient;
import jfunc.certs.enrol.EnrolmentException;
import jfunc.common.Config;
import jfunc.common.tls.Certs;
import jfunc.minion.MinionSettings;

/**
 * Getting an identity from the CA ({@code --ca}) on first start, and fresh CRLs later, through
 * the certs module's {@link EnrolmentClient}. The address the minion advertises is
 * {@code advertise} from the config, else its listen address (a wildcard host is recorded by
 * the CA as the address the request came from; "" means the DNS name and port 51234).
 */
final class Enrolment {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Enrolment.class);

    private final EnrolmentClient client;
    private final String caFingerprint;

    Enrolment(MinionSettings settings) throws Config.ConfigException {
        Duration maxWait = settings.enrolMaxWait();
        EnrolmentClient c = new EnrolmentClient(settings.minionDir(), settings.name(), settings.advertise(), settings.ca());
        String pin = settings.config().get("ca_fingerprint", null);
        if (pin != null && !pin.isBlank()) {
            try {
                c = c.withCaFingerprint(pin);
            } catch (IllegalArgumentException e) {
                throw new Config.ConfigException("ca_fingerprint: " + e.getMessage());
            }
        }
        this.caFingerprint = pin == null || pin.isBlank() ? null : Certs.normalizedFingerprint(pin);
        this.client = maxWait == null ? c : c.withMaxWait(maxWait);
    }

    /** Why {@code ca} is not the CA {@code ca_fingerprint} names, or null (also when none is set). */
    String caMismatch(X509Certificate ca) {
        if (caFingerprint == null || caFingerprint.equals(Certs.normalizedFingerprint(Certs.fingerprint(ca)))) {
            return null;
        }
        return "the CA this minion trusts (SHA-256 " + Certs.fingerprint(ca) + ") is not the one ca_fingerprint names";
    }

    /**
     * At a start with an identity: asks the CA where this certificate stands. Revoked, or
     * replaced by another: an ERROR naming the cause (the minion serves on; callers will be
     * refused). Forgotten by {@code jfunc-ca clean}: an ERROR, the certificate is set aside and
     * true is returned, so the caller enrols again with the same key. A CA that cannot be asked
     * changes nothing.
     */
    boolean forgottenByTheCa() {
        EnrolmentClient.StandingAnswer a;
        try {
            a = client.standing();
        } catch (EnrolmentException e) {
            log.warn("could not ask the CA whether this minion's certificate still stands: {}", e.getMessage());
            return false;
        }
        switch (a.standing()) {
            case CURRENT -> {
                return false;
            }
            case FORGOTTEN -> {
                log.error("the CA no longer knows {} (jfunc-ca clean?): {}; enrolling again with the same key",
                        client.name(), a.reason());
                try {
                    client.setCertificateAside();
                    return true;
                } catch (EnrolmentException e) {
                    log.error("cannot enrol again: {}", e.getMessage());
                    return false;
                }
            }
            case REVOKED -> log.error("this minion's certificate is revoked: {}", a.reason());
            default -> log.error("this minion's certificate is not the CA's current one for {}: {}", client.name(), a.reason());
        }
        return false;
    }

    /** Blocks until the CA signed our certificate (files written), refused, or the max wait passed. */
    void enrol() throws EnrolmentException, InterruptedException {
        client.enrol();
    }

    /** The CA's current CRL (also written to crl.pem when newer). */
    X509CRL fetchCrl() throws EnrolmentException {
        return client.fetchCrl();
    }
}
