package jfunc.certs;

import java.time.Duration;
import jfunc.common.Config;
import jfunc.common.Config.ConfigException;

/**
 * How long what the CA makes stays valid. Keys in {@code certs.conf} (and the environment as
 * {@code JFUNC_CA_...}): {@code ca.validity}, {@code ca.cert_validity}, {@code ca.crl_validity}; and
 * {@code ca.max_pending}, how many requests may wait for {@code jfunc-ca sign} at once.
 */
public record CaSettings(Duration caValidity, Duration certValidity, Duration crlValidity, int maxPending) {
    /** Enough for a large fleet enrolling at once; small enough that a hostile caller cannot fill the disk. */
    public static final int DEFAULT_MAX_PENDING = 1000;
    public static final Duration DEFAULT_CA_VALIDITY = Duration.ofDays(3650);
    /** Long, because there is no automatic renewal yet: a re-enrolment (clean + new CSR) renews. */
    public static final Duration DEFAULT_CERT_VALIDITY = Duration.ofDays(1825);
    /** The CRL is re-issued on every revocation and whenever half of this has passed. */
    public static final Duration DEFAULT_CRL_VALIDITY = Duration.ofDays(30);

    public CaSettings {
        for (Duration d : new Duration[] {caValidity, certValidity, crlValidity}) {
            if (d == null || d.compareTo(Duration.ofMinutes(1)) < 0) {
                throw new IllegalArgumentException("validity must be at least one minute, got " + d);
            }
        }
        if (maxPending < 1) {
            throw new IllegalArgumentException("ca.max_pending must be at least 1, got " + maxPending);
        }
    }

    public CaSettings(Duration caValidity, Duration certValidity, Duration crlValidity) {
        this(caValidity, certValidity, crlValidity, DEFAULT_MAX_PENDING);
    }

    public static CaSettings defaults() {
        return new CaSettings(DEFAULT_CA_VALIDITY, DEFAULT_CERT_VALIDITY, DEFAULT_CRL_VALIDITY);
    }

    public static CaSettings from(Config config) throws ConfigException {
        Duration ca = config.getDuration("ca.validity", DEFAULT_CA_VALIDITY);
        Duration cert = config.getDuration("ca.cert_validity", DEFAULT_CERT_VALIDITY);
        Duration crl = config.getDuration("ca.crl_validity", DEFAULT_CRL_VALIDITY);
        int maxPending = config.getInt("ca.max_pending", DEFAULT_MAX_PENDING);
        try {
            return new CaSettings(ca, cert, crl, maxPending);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }
}
