package jfunc.certs;

import java.time.Duration;
import jfunc.common.Config;
import jfunc.common.Config.ConfigException;

/**
 * How long what the CA makes stays valid. Keys in {@code certs.conf} (and the environment as
 * {@code JFUNC_CA_...}): {@code ca.validity}, {@code ca.cert_validity}, {@code ca.crl_validity}.
 */
public record CaSettings(Duration caValidity, Duration certValidity, Duration crlValidity) {
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
    }

    public static CaSettings defaults() {
        return new CaSettings(DEFAULT_CA_VALIDITY, DEFAULT_CERT_VALIDITY, DEFAULT_CRL_VALIDITY);
    }

    public static CaSettings from(Config config) throws ConfigException {
        Duration ca = config.getDuration("ca.validity", DEFAULT_CA_VALIDITY);
        Duration cert = config.getDuration("ca.cert_validity", DEFAULT_CERT_VALIDITY);
        Duration crl = config.getDuration("ca.crl_validity", DEFAULT_CRL_VALIDITY);
        try {
            return new CaSettings(ca, cert, crl);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }
}
