package jfunc.certs.enrol;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import jfunc.certs.CaStore;
import jfunc.certs.EnrolmentAnswer;
import jfunc.certs.enrol.EnrolmentException.Reason;
import jfunc.common.Faults;
import jfunc.common.HostPort;
import jfunc.common.Names;
import jfunc.common.rpc.CallError;
import jfunc.common.rpc.RpcClient;
import jfunc.common.tls.CertIssuer;
import jfunc.common.tls.Certs;
import jfunc.common.tls.Identity;
import jfunc.common.tls.Pem;
import jfunc.common.tls.TlsContexts;
import org.apache.xmlrpc.XmlRpcException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Enrols one minion with the CA: makes {@code minion.key} (0600) when there is none, submits a
 * CSR for the name ({@code certs.submit_csr}), then polls {@code certs.fetch} with capped
 * exponential backoff until the certificate is signed, and writes {@code minion.crt},
 * {@code ca.crt} and {@code crl.pem} into the minion's folder ({@code STATE/minion/NAME}).
 *
 * <p>Trust: when the folder already holds a {@code ca.crt} (an admin copied it there, or an
 * earlier run received it) the CA is pinned: the enrolment service must present a certificate
 * for {@value CaStore#SERVICE_NAME} signed by it. Otherwise the first answer's CA certificate is
 * trusted on first use (as Func's certmaster did), written to {@code ca.crt} at once and pinned
 * from then on; its fingerprint is logged so it can be compared with {@code jfunc-ca init}'s.
 * A certificate is only accepted over a pinned connection.
 *
 * <p>While waiting it logs why (CA unreachable, request pending) and keeps trying; a refusal
 * stops it with the CA's reason. {@link #enrol} is interruptible and bounded by
 * {@link #withMaxWait}. Instances are immutable; {@code with...} return changed copies.
 *
 * <pre>{@code
 * EnrolmentClient client = new EnrolmentClient(state.minion(name), name, "web1.example.org:51234",
 *         HostPort.parse("ca.example.org:51235", 51235));
 * EnrolmentClient.Credentials creds = client.enrol();          // blocks until signed
 * SSLContext tls = TlsContexts.mutual(creds.identity(), new CaTrust(creds.ca(), creds.crl()));
 * X509CRL fresh = client.fetchCrl();                            // later, periodically
 * }</pre>
 */
public final class EnrolmentClient {
    private static final Logger log = LoggerFactory.getLogger(EnrolmentClient.class);
    private static final Duration LOG_REPEAT = Duration.ofMinutes(5);

    private final MinionFiles files;
    private final String name;
    private final String address;
    private final HostPort ca;
    private final Duration maxWait;
    private final Duration firstDelay;
    private final Duration maxDelay;
    private final Duration connectTimeout;
    private final Duration replyTimeout;
    /** Normalized SHA-256 hex of the only CA to trust (ca_fingerprint), or null: trust on first use. */
    private final String caFingerprint;

    /** What an enrolled minion needs for mutual TLS: its identity, the CA and the CRL (may be null). */
    public record Credentials(Identity identity, X509Certificate ca, X509CRL crl) {}

    /**
     * @param minionDir the minion's folder ({@code StateDir.minion(name)}); created 0700 when needed
     * @param name      the minion's name (validated, lower-cased)
     * @param address   the advertised {@code host:port} the overlord should call, or "" for
     *                  "my DNS name, port 51234"; a wildcard host ({@code 0.0.0.0:P}) is recorded
     *                  by the CA as the address the request came from
     * @param ca        the enrolment service's address
     */
    public EnrolmentClient(Path minionDir, String name, String address, HostPort ca) {
        this(new MinionFiles(minionDir), Names.check(name).toLowerCase(Locale.ROOT), address == null ? "" : address,
                ca, null, Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(5), Duration.ofSeconds(20), null);
    }

    private EnrolmentClient(MinionFiles files, String name, String address, HostPort ca, Duration maxWait,
                            Duration firstDelay, Duration maxDelay, Duration connectTimeout, Duration replyTimeout,
                            String caFingerprint) {
        this.caFingerprint = caFingerprint;
        this.files = files;
        this.name = name;
        this.address = address;
        this.ca = ca;
        this.maxWait = maxWait;
        this.firstDelay = firstDelay;
        this.maxDelay = maxDelay;
        this.connectTimeout = connectTimeout;
        this.replyTimeout = replyTimeout;
    }

    /** Gives up with {@link Reason#TIMED_OUT} after this long; null (the default) waits forever. */
    public EnrolmentClient withMaxWait(Duration wait) {
        return new EnrolmentClient(files, name, address, ca, wait, firstDelay, maxDelay, connectTimeout, replyTimeout, caFingerprint);
    }

    /** The wait between attempts starts at {@code first} and doubles up to {@code max} (default 1 s, 30 s). */
    public EnrolmentClient withBackoff(Duration first, Duration max) {
        return new EnrolmentClient(files, name, address, ca, maxWait, first, max, connectTimeout, replyTimeout, caFingerprint);
    }

    /** Per-call connect and reply timeouts (default 5 s, 20 s). */
    public EnrolmentClient withTimeouts(Duration connect, Duration reply) {
        return new EnrolmentClient(files, name, address, ca, maxWait, firstDelay, maxDelay, connect, reply, caFingerprint);
    }

    /**
     * Trusts only the CA whose certificate has this SHA-256 fingerprint ({@code ca_fingerprint},
     * as {@code jfunc-ca init} prints it): a CA that answers first with another certificate is
     * refused and nothing is pinned, and an already pinned {@code ca.crt} must match it too.
     * IllegalArgumentException for a malformed fingerprint.
     */
    public EnrolmentClient withCaFingerprint(String fingerprint) {
        return new EnrolmentClient(files, name, address, ca, maxWait, firstDelay, maxDelay, connectTimeout,
                replyTimeout, fingerprint == null ? null : Certs.normalizedFingerprint(fingerprint));
    }

    public String name() {
        return name;
    }

    /** True when the folder holds a key, a valid unexpired certificate for it and the name, and the CA. */
    public boolean isEnrolled() {
        return files.problem(name) == null;
    }

    /** The credentials in the folder; fails when {@link #isEnrolled()} is false. */
    public Credentials credentials() throws EnrolmentException {
        String problem = files.problem(name);
        if (problem != null) {
            throw new EnrolmentException(Reason.LOCAL_FILES, files.dir + ": " + problem);
        }
        try {
            Identity id = Identity.load(files.key(), files.cert());
            return new Credentials(id, Pem.readCertificate(files.ca()), files.crlOrNull());
        } catch (Pem.PemException e) {
            throw new EnrolmentException(Reason.LOCAL_FILES, e.getMessage());
        }
    }

    /**
     * Returns the credentials at once when already enrolled; otherwise enrols (see the class
     * comment) and blocks until signed, refused, the max wait passed, or the thread is interrupted.
     */
    public Credentials enrol() throws EnrolmentException, InterruptedException {
        if (isEnrolled()) {
            return credentials();
        }
        KeyPair keys = files.keyPair();
        String csr = Pem.encode(CertIssuer.csr(keys, name));
        log.info("enrolling {}: public key SHA-256 {} (jfunc-ca list shows it: compare before signing)", name,
                Certs.keyFingerprint(keys.getPublic()));
        X509Certificate pinned = pinnedCa();
        Instant deadline = maxWait == null ? null : Instant.now().plus(maxWait);
        Duration delay = firstDelay;
        boolean submitted = false;
        Waiting waiting = new Waiting();
        while (true) {
            if (Thread.interrupted()) {
                throw new InterruptedException("enrolment of " + name + " interrupted");
            }
            String why;
            try (RpcClient client = client(pinned)) {
                if (pinned == null && caFingerprint != null) {
                    // learn the CA certificate first (every answer carries it) and check it: the
                    // CSR goes only to the CA the fingerprint names, over a pinned connection
                    pinned = trustOnFirstUse(answer(client.call(endpoint(null), "certs.fetch", name)));
                    continue;
                }
                Object raw = submitted ? client.call(endpoint(pinned), "certs.fetch", name)
                        : client.call(endpoint(pinned), "certs.submit_csr", name, csr, address);
                EnrolmentAnswer a = answer(raw);
                if (a.state() == EnrolmentAnswer.State.REFUSED) {
                    throw new EnrolmentException(Reason.REFUSED, "the CA at " + ca + " refused " + name + ": " + a.reason());
                }
                submitted = true;
                if (pinned == null) {
                    pinned = trustOnFirstUse(a);
                    continue; // ask again over a connection that checks the pinned CA
                }
                checkSameCa(a, pinned);
                if (a.state() == EnrolmentAnswer.State.SIGNED) {
                    Credentials c = store(a, keys, pinned);
                    log.info("enrolled {}: certificate serial {} valid until {}", name,
                            c.identity().certificate().getSerialNumber().toString(16),
                            c.identity().certificate().getNotAfter().toInstant());
                    return c;
                }
                why = "request pending at the CA " + ca + ": waiting for `jfunc-ca sign " + name + "`";
            } catch (XmlRpcException e) {
                why = unavailable(e, pinned) + "; retrying";
            }
            Instant now = Instant.now();
            if (deadline != null && !now.isBefore(deadline)) {
                throw new EnrolmentException(Reason.TIMED_OUT, "gave up enrolling " + name + " after " + maxWait
                        + ": " + why);
            }
            Duration sleep = deadline == null ? delay : min(delay, Duration.between(now, deadline));
            waiting.log(why, sleep);
            Thread.sleep(Math.max(1, sleep.toMillis()));
            delay = min(delay.multipliedBy(2), maxDelay);
        }
    }

    /**
     * Fetches the CA's current CRL once (no retries) over a connection pinned to {@code ca.crt},
     * writes it to {@code crl.pem} when it is newer than the one there, and returns the newest.
     * For a minion's periodic CRL refresh.
     */
    public X509CRL fetchCrl() throws EnrolmentException {
        X509Certificate pinned = pinnedCa();
        if (pinned == null) {
            throw new EnrolmentException(Reason.LOCAL_FILES, files.ca() + ": file not found (enrol first)");
        }
        EnrolmentAnswer a;
        try (RpcClient client = client(pinned)) {
            a = answer(client.call(endpoint(pinned), "certs.fetch", name));
        } catch (XmlRpcException e) {
            throw new EnrolmentException(Reason.UNREACHABLE, unavailable(e, pinned));
        }
        X509CRL current = files.crlOrNull();
        if (a.crl() == null) {
            throw new EnrolmentException(Reason.BAD_ANSWER, "the CA at " + ca + " sent no CRL");
        }
        X509CRL crl = verifiedCrl(a.crl(), pinned);
        if (current == null || crl.getThisUpdate().after(current.getThisUpdate())) {
            files.write(files.crl(), a.crl());
            log.debug("refreshed {} (issued {})", files.crl(), crl.getThisUpdate().toInstant());
            return crl;
        }
        return current;
    }

    /** Where an enrolled minion's certificate stands with the CA. */
    public enum Standing {
        /** The CA has this certificate signed for the name. */
        CURRENT,
        /** The CA has no record of the name ({@code jfunc-ca clean} forgot it): enrolling again is the way back. */
        FORGOTTEN,
        /** The CA revoked the name and refuses it until an administrator cleans it. */
        REVOKED,
        /** The CA holds another certificate or request for the name. */
        OTHER
    }

    /** The standing and the CA's words for it. */
    public record StandingAnswer(Standing standing, String reason) {}

    /**
     * Asks the CA (one {@code certs.fetch}, pinned to {@code ca.crt}) where this minion's
     * certificate stands, for the start-up check. Throws when the CA cannot be asked.
     */
    public StandingAnswer standing() throws EnrolmentException {
        X509Certificate pinned = pinnedCa();
        X509Certificate mine = credentials().identity().certificate();
        EnrolmentAnswer a;
        try (RpcClient client = client(pinned)) {
            a = answer(client.call(endpoint(pinned), "certs.fetch", name));
        } catch (XmlRpcException e) {
            throw new EnrolmentException(Reason.UNREACHABLE, unavailable(e, pinned));
        }
        String reason = a.reason() == null ? "" : a.reason();
        return switch (a.state()) {
            case SIGNED -> {
                boolean same = false;
                try {
                    List<X509Certificate> theirs = Pem.certificates(a.cert(), "the CA's answer");
                    same = !theirs.isEmpty() && java.util.Arrays.equals(theirs.get(0).getEncoded(), mine.getEncoded());
                } catch (Exception e) {
                    // not comparable: another certificate as far as we can tell
                }
                yield same ? new StandingAnswer(Standing.CURRENT, "")
                        : new StandingAnswer(Standing.OTHER, "the CA has signed another certificate for " + name);
            }
            case PENDING -> new StandingAnswer(Standing.OTHER, "the CA holds a pending request for " + name + ": " + reason);
            case REFUSED -> reason.startsWith(name + EnrolmentAnswer.NOT_KNOWN) ? new StandingAnswer(Standing.FORGOTTEN, reason)
                    : reason.contains("revoked") ? new StandingAnswer(Standing.REVOKED, reason)
                    : new StandingAnswer(Standing.OTHER, reason);
        };
    }

    /**
     * Sets the certificate aside ({@code minion.crt} → {@code minion.crt.old}), keeping the key,
     * so that {@link #enrol} asks the CA again with the same key.
     */
    public void setCertificateAside() throws EnrolmentException {
        try {
            Files.move(files.cert(), files.cert().resolveSibling(files.cert().getFileName() + ".old"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (java.io.IOException e) {
            throw new EnrolmentException(Reason.LOCAL_FILES, files.cert() + ": cannot set it aside: " + e.getMessage());
        }
    }

    // ---- steps ----

    /** The pinned ca.crt (null: none yet), which must match ca_fingerprint when that is set. */
    private X509Certificate pinnedCa() throws EnrolmentException {
        X509Certificate pinned = files.pinnedCa();
        if (pinned != null && caFingerprint != null
                && !caFingerprint.equals(Certs.normalizedFingerprint(Certs.fingerprint(pinned)))) {
            throw new EnrolmentException(Reason.LOCAL_FILES, files.ca() + " pins a CA with SHA-256 "
                    + Certs.fingerprint(pinned) + ", not the ca_fingerprint configured");
        }
        return pinned;
    }

    private X509Certificate trustOnFirstUse(EnrolmentAnswer a) throws EnrolmentException {
        if (a.ca() == null) {
            throw new EnrolmentException(Reason.BAD_ANSWER, "the CA at " + ca + " sent no CA certificate");
        }
        X509Certificate caCert = parseCert(a.ca(), "the CA certificate");
        if (caFingerprint != null && !caFingerprint.equals(Certs.normalizedFingerprint(Certs.fingerprint(caCert)))) {
            throw new EnrolmentException(Reason.REFUSED, "the CA at " + ca + " presents a CA certificate with SHA-256 "
                    + Certs.fingerprint(caCert) + ", not the ca_fingerprint configured; nothing was pinned"
                    + " (is --ca the right host?)");
        }
        try {
            caCert.verify(caCert.getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new EnrolmentException(Reason.BAD_ANSWER, "the CA certificate from " + ca + " is not self-signed");
        }
        if (caCert.getBasicConstraints() < 0) {
            throw new EnrolmentException(Reason.BAD_ANSWER, "the certificate from " + ca + " is not a CA certificate");
        }
        files.write(files.ca(), Pem.encode(caCert));
        log.info("trusting the CA at {} on first use: {} SHA-256 {} (pinned in {}; compare with `jfunc-ca init`)",
                ca, Certs.commonName(caCert), Certs.fingerprint(caCert), files.ca());
        return caCert;
    }

    private void checkSameCa(EnrolmentAnswer a, X509Certificate pinned) throws EnrolmentException {
        if (a.ca() != null && !parseCert(a.ca(), "the CA certificate").equals(pinned)) {
            throw new EnrolmentException(Reason.BAD_ANSWER, "the CA at " + ca + " sends a CA certificate other than "
                    + files.ca() + "; if the CA was re-created on purpose, delete that folder's files and enrol again");
        }
    }

    private Credentials store(EnrolmentAnswer a, KeyPair keys, X509Certificate pinned) throws EnrolmentException {
        X509Certificate cert = parseCert(a.cert(), "the signed certificate");
        String problem = MinionFiles.certificateProblem(cert, keys.getPublic(), pinned, name);
        if (problem != null) {
            Reason r = problem.contains("expired") ? Reason.REFUSED : Reason.BAD_ANSWER;
            throw new EnrolmentException(r, "the CA at " + ca + " sent an unusable certificate for " + name + ": "
                    + problem + (r == Reason.REFUSED ? " (renew with `jfunc-ca clean " + name + "` on the CA)" : ""));
        }
        X509CRL crl = a.crl() == null ? null : verifiedCrl(a.crl(), pinned);
        if (crl != null) {
            files.write(files.crl(), a.crl());
        }
        files.write(files.cert(), Pem.encode(cert));
        return new Credentials(new Identity(keys.getPrivate(), List.of(cert)), pinned, crl);
    }

    private X509CRL verifiedCrl(String pem, X509Certificate pinned) throws EnrolmentException {
        try {
            X509CRL crl = Pem.crl(pem, "the CRL from " + ca);
            crl.verify(pinned.getPublicKey());
            return crl;
        } catch (Pem.PemException | GeneralSecurityException e) {
            throw new EnrolmentException(Reason.BAD_ANSWER, "unusable CRL from " + ca + ": " + e.getMessage());
        }
    }

    private X509Certificate parseCert(String pem, String what) throws EnrolmentException {
        try {
            return Pem.certificates(pem, what + " from " + ca).get(0);
        } catch (Pem.PemException e) {
            throw new EnrolmentException(Reason.BAD_ANSWER, e.getMessage());
        }
    }

    private EnrolmentAnswer answer(Object raw) throws EnrolmentException {
        try {
            return EnrolmentAnswer.fromStruct(raw);
        } catch (IllegalArgumentException e) {
            throw new EnrolmentException(Reason.BAD_ANSWER, "not an enrolment answer from " + ca + ": " + e.getMessage());
        }
    }

    /**
     * Why a call failed, for the log (the caller says whether it tries again); faults that mean
     * "wrong server" stop enrolment.
     */
    private String unavailable(XmlRpcException e, X509Certificate pinned) throws EnrolmentException {
        CallError err = CallError.of(e);
        if (err.kind() == CallError.Kind.FAULT
                && (err.faultCode() == Faults.UNKNOWN_METHOD || err.faultCode() == Faults.BAD_ARGUMENTS)) {
            throw new EnrolmentException(Reason.BAD_ANSWER, ca + " is not a jfunc enrolment service: " + err.message());
        }
        return switch (err.kind()) {
            case UNREACHABLE -> "the CA at " + ca + " is not reachable (" + err.message() + ")";
            case TIMEOUT -> "the CA at " + ca + " did not answer in time";
            case TLS -> "TLS with " + ca + " failed (" + err.message() + ")"
                    + (pinned != null ? "; is it the CA pinned in " + files.ca() + "?" : "");
            default -> "the CA at " + ca + " cannot answer (" + err.message() + ")";
        };
    }

    /**
     * A client for one call, closed by the caller: calls are seconds to minutes apart and the
     * pinned CA may change between them, so a kept-alive connection would only sit in CLOSE_WAIT.
     */
    private RpcClient client(X509Certificate pinned) throws EnrolmentException {
        try {
            return new RpcClient(TlsContexts.enrolment(pinned), connectTimeout, replyTimeout, 1024 * 1024);
        } catch (GeneralSecurityException e) {
            throw new EnrolmentException(Reason.LOCAL_FILES, "cannot set up TLS: " + e.getMessage());
        }
    }

    private RpcClient.Endpoint endpoint(X509Certificate pinned) {
        return new RpcClient.Endpoint(pinned == null ? null : CaStore.SERVICE_NAME, ca.host(), ca.port());
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** Logs a reason for waiting when it changes, and again every few minutes while it lasts. */
    private final class Waiting {
        private String last;
        private Instant lastAt = Instant.MIN;

        void log(String why, Duration next) {
            Instant now = Instant.now();
            if (!why.equals(last) || Duration.between(lastAt, now).compareTo(LOG_REPEAT) >= 0) {
                EnrolmentClient.log.info("enrolling {}: {} (next try in {} ms)", name, why, next.toMillis());
                last = why;
                lastAt = now;
            } else {
                EnrolmentClient.log.debug("enrolling {}: {}", name, why);
            }
        }
    }
}
