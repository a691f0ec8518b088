package jfunc.certs;

import java.time.Duration;
import jfunc.common.Config;
import jfunc.common.Config.ConfigException;

/**
 * How long what the CA makes stays valid. Keys in {@code certs.conf} (and the environment as
 * {@code JFUNC_CA_...}): {@code ca.validity}, {@code ca.cert_validity}, {@code ca.crl_validity}; and
 * {@code ca.max_pending}, how many requests may wait for {@code jfunc-ca sign} at once;
 * {@code ca.autosign_max_per_hour} and {@code ca.autosign_max_names}, how many names autosign may
 * sign in any hour and in all (beyond either, a request waits for {@code jfunc-ca sign} like any
 * other).
 */
public record CaSettings(Duration caValidity, Duration certValidity, Duration crlValidity, int maxPending,
                         int autosignMaxPerHour, int autosignMaxNames) {
    /** Enough for a large fleet enrolling at once; small enough that a hostile caller cannot fill the disk. */
    public static final int DEFAULT_MAX_PENDING = 1000;
    public static final Duration DEFAULT_CA_VALIDITY = Duration.ofDays(3650);
    /** Long, because there is no automatic renewal yet: a re-enrolment (clean + new CSR) renews. */
    public static final Duration DEFAULT_CERT_VALIDITY = Duration.ofDays(1825);
    /** The CRL is re-issued on every revocation and whenever half of this has passed. */
    public static final Duration DEFAULT_CRL_VALIDITY = Duration.ofDays(30);
    /** A lab enrolling a rack at once fits; a flood of invented names does not. */
    public static final int DEFAULT_AUTOSIGN_MAX_PER_HOUR = 100;
    public static final int DEFAULT_AUTOSIGN_MAX_NAMES = 1000;

    /**
     * Every key jfunc-ca reads from {@code certs.conf} (the shipped etc/certs.conf documents each;
     * a test keeps the two the same). Any other key in the file is an error.
     */
    public static final java.util.Set<String> KEYS = java.util.Set.of("ca.listen", "ca.autosign",
            "ca.autosign_max_per_hour", "ca.autosign_max_names", "ca.cert_validity", "ca.crl_validity",
            "ca.max_pending", "ca.validity");

    public CaSettings {
        for (Duration d : new Duration[] {caValidity, certValidity, crlValidity}) {
            if (d == null || d.compareTo(Duration.ofMinutes(1)) < 0) {
                throw new IllegalArgumentException("validity must be at least one minute, got " + d);
            }
        }
        if (maxPending < 1) {
            throw new IllegalArgumentException("ca.max_pending must be at least 1, got " + maxPending);
        }
        if (autosignMaxPerHour < 0 || autosignMaxNames < 0) {
            throw new IllegalArgumentException("ca.autosign_max_per_hour and ca.autosign_max_names must not be negative,"
                    + " got " + autosignMaxPerHour + " and " + autosignMaxNames);
        }
    }

    public CaSettings(Duration caValidity, Duration certValidity, Duration crlValidity, int maxPending) {
        this(caValidity, certValidity, crlValidity, maxPending, DEFAULT_AUTOSIGN_MAX_PER_HOUR, DEFAULT_AUTOSIGN_MAX_NAMES);
    }

    public CaSettings(Duration caValidity, Duration certValidity, Duration crlValidity) {
        this(caValidity, certValidity, crlValidity, DEFAULT_MAX_PENDING);
    }

    /** These settings with other autosign limits. */
    public CaSettings withAutosignLimits(int perHour, int names) {
        return new CaSettings(caValidity, certValidity, crlValidity, maxPending, perHour, names);
    }

    public static CaSettings defaults() {
        return new CaSettings(DEFAULT_CA_VALIDITY, DEFAULT_CERT_VALIDITY, DEFAULT_CRL_VALIDITY);
    }

    public static CaSettings from(Config config) throws ConfigException {
        Duration ca = config.getDuration("ca.validity", DEFAULT_CA_VALIDITY);
        Duration cert = config.getDuration("ca.cert_validity", DEFAULT_CERT_VALIDITY);
        Duration crl = config.getDuration("ca.crl_validity", DEFAULT_CRL_VALIDITY);
        int maxPending = config.getInt("ca.max_pending", DEFAULT_MAX_PENDING);
        int perHour = config.getInt("ca.autosign_max_per_hour", DEFAULT_AUTOSIGN_MAX_PER_HOUR);
        int names = config.getInt("ca.autosign_max_names", DEFAULT_AUTOSIGN_MAX_NAMES);
        try {
            return new CaSettings(ca, cert, crl, maxPending, perHour, names);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }
}
