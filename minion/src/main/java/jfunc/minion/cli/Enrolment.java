package jfunc.minion.cli;

import java.security.cert.X509CRL;
import jfunc.common.tls.CaTrust;
import jfunc.common.tls.Pem;
import jfunc.minion.MinionIdentity;
import jfunc.minion.MinionSettings;

/** Getting an identity from the CA, and fresh CRLs later. */
final class Enrolment {
    private Enrolment() {}

    /** Enrols with the CA at {@code settings.ca()} and writes the identity files. */
    static void enrol(MinionSettings settings, MinionIdentity files) throws Pem.PemException {
        throw new Pem.PemException("no identity in " + files.dir() + " (minion.key, minion.crt, ca.crt)"
                + " and this build cannot enrol with the CA at " + settings.ca() + " yet");
    }

    /** The CA's current CRL, or null when it cannot be fetched (the file is used instead). */
    static X509CRL fetchCrl(MinionSettings settings, MinionIdentity files, CaTrust trust) {
        return null;
    }
}
