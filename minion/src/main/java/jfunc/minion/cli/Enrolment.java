package jfunc.minion.cli;

import java.security.cert.X509CRL;
import java.time.Duration;
import jfunc.certs.enrol.EnrolmentClient;
import jfunc.certs.enrol.EnrolmentException;
import jfunc.common.Config;
import jfunc.minion.MinionSettings;

/**
 * Getting an identity from the CA ({@code --ca}) on first start, and fresh CRLs later, through
 * the certs module's {@link EnrolmentClient}. The address the minion advertises is
 * {@code advertise} from the config, else its listen address (a wildcard host is recorded by
 * the CA as the address the request came from; "" means the DNS name and port 51234).
 */
final class Enrolment {
    private final EnrolmentClient client;

    Enrolment(MinionSettings settings) throws Config.ConfigException {
        // port 0 (tests: any free port) is only known after binding: advertise "" then
        int port = settings.listen().getPort();
        String listen = port == 0 ? "" : settings.listen().getHostString() + ":" + port;
        String advertise = settings.config().get("advertise", listen);
        Duration maxWait = settings.config().getDuration("enrol_max_wait", null);
        EnrolmentClient c = new EnrolmentClient(settings.minionDir(), settings.name(), advertise, settings.ca());
        this.client = maxWait == null ? c : c.withMaxWait(maxWait);
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
