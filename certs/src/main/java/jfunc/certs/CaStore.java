package jfunc.certs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;
import jfunc.common.Names;
import jfunc.common.StateDir;
import jfunc.common.tls.CertIssuer;
import jfunc.common.tls.Identity;
import jfunc.common.tls.Pem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The certificate authority's store: {@code STATE/ca/} (layout in {@link CaFiles}). Every
 * operation reads the files afresh and runs under the store lock, so the CLI and a running
 * {@code serve} can work on one store at once and each sees the other's changes at once.
 *
 * <p>Names are validated ({@link Names}) and lower-cased: DNS names ignore case, file names do
 * not, and {@code Web1} and {@code web1} must never be two minions. Bad input changes nothing.
 */
public final class CaStore {
    private static final Logger log = LoggerFactory.getLogger(CaStore.class);
    /** The name in the enrolment service's certificate; no minion may enrol as it. */
    public static final String SERVICE_NAME = "jfunc-ca";
    public static final String DEFAULT_OVERLORD_NAME = "overlord";

    private final StateDir state;
    private final CaFiles files;
    private final CaSettings settings;
    private final StoreLock lock;

    public CaStore(StateDir state, CaSettings settings) {
        this.state = state;
        this.files = new CaFiles(state.ca());
        this.settings = settings;
        this.lock = new StoreLock(files.lock());
    }

    /**
     * What {@link #init} did (or found). {@code overlordReissued}: the CA existed but its overlord
     * certificate lacked the overlord mark, so init issued a marked one and revoked the old one.
     */
    public record InitResult(boolean created, Path caDir, Path overlordDir, String overlordName,
                             String caFingerprint, Instant crlNextUpdate, boolean overlordReissued) {}

    /** Validates and lower-cases a name; IllegalArgumentException says what is wrong. */
    public static String canonicalName(String name) {
        return Names.check(name).toLowerCase(Locale.ROOT);
    }

    public Path dir() {
        return files.dir;
    }

    public CaSettings settings() {
        return settings;
    }

    /** Creates the CA and the overlord identity, or reports a complete one untouched. */
    public InitResult init(String overlordName) throws CaException {
        return CaInit.run(state, files, settings, canonicalName(overlordName));
    }

    public X509Certificate caCertificate() throws CaException {
        files.requireCa();
        return CaFiles.pem(() -> Pem.readCertificate(files.caCert()));
    }

    /** Every record: pending first, then signed, then revoked; by name within each. */
    public List<CaRecord> list() throws CaException {
        try (StoreLock.Held held = locked()) {
            List<CaRecord> all = new ArrayList<>(files.readRecords());
            all.sort(Comparator.comparing(CaRecord::state).thenComparing(CaRecord::name));
            return all;
        }
    }

    /** The current certificate of a signed or revoked name, or null. */
    /** The public key of NAME's pending request (what {@code list} fingerprints), or null when none is pending. */
    public PublicKey pendingKey(String name) throws CaException {
        String n = canonicalName(name);
        return Files.exists(files.pending(n)) ? files.readCsr(n).key() : null;
    }

    public X509Certificate certificate(String name) throws CaException {
        Path f = files.signed(canonicalName(name));
        return Files.exists(f) ? CaFiles.pem(() -> Pem.readCertificate(f)) : null;
    }

    /** Signs pending requests; all or nothing: when one name is not pending nothing is signed. */
    public List<CaRecord> sign(Collection<String> names) throws CaException {
        List<String> canonical = names.stream().map(CaStore::canonicalName).distinct().toList();
        try (StoreLock.Held held = locked()) {
            CertIssuer issuer = files.issuer();
            for (String name : canonical) {
                requirePending(name);
            }
            List<CaRecord> out = new ArrayList<>();
            for (String name : canonical) {
                out.add(signLocked(issuer, name, false));
            }
            return out;
        }
    }

    /** Signs every pending request; an empty list when there is none. */
    public List<CaRecord> signAll() throws CaException {
        try (StoreLock.Held held = locked()) {
            List<String> pending = files.readRecords().stream()
                    .filter(r -> r.state() == CaRecord.State.PENDING).map(CaRecord::name).sorted().toList();
            return pending.isEmpty() ? List.of() : sign(pending);
        }
    }

    /** Revokes a signed name's certificate and re-issues the CRL. */
    public CaRecord revoke(String name) throws CaException {
        String n = canonicalName(name);
        try (StoreLock.Held held = locked()) {
            CertIssuer issuer = files.issuer();
            CaRecord r = files.readRecord(n);
            if (r == null || r.state() != CaRecord.State.SIGNED) {
                throw CaException.state(r == null ? n + " is not known to the CA: nothing to revoke"
                        : n + " is " + r.state().wire() + ", not signed: nothing to revoke"
                        + (r.state() == CaRecord.State.PENDING ? " (reject a request with: jfunc-ca clean " + n + ")" : ""));
            }
            return revokeLocked(issuer, r);
        }
    }

    /**
     * Forgets a name so that it can enrol again (with any key). A still valid certificate is
     * revoked first: forgetting must not leave a usable certificate nobody knows about.
     * Returns the record as it was before.
     */
    public CaRecord clean(String name) throws CaException {
        String n = canonicalName(name);
        try (StoreLock.Held held = locked()) {
            CertIssuer issuer = files.issuer();
            CaRecord r = files.readRecord(n);
            if (r == null) {
                throw CaException.state(n + " is not known to the CA: nothing to clean");
            }
            if (r.state() == CaRecord.State.SIGNED) {
                revokeLocked(issuer, r);
            }
            files.delete(files.pending(n));
            files.delete(files.signed(n));
            files.delete(files.record(n));
            log.info("forgot {} (was {})", n, r.state().wire());
            return r;
        }
    }

    /**
     * {@code certs.submit_csr}: keeps a new request (signing it at once when {@code autosign}
     * accepts the name), answers an identical re-submission like {@link #fetch}, and refuses
     * everything else with a reason. {@code callerHost} replaces a wildcard or missing host in
     * the advertised address (may be null).
     */
    public EnrolmentAnswer submit(String name, String csrPem, String address, String callerHost,
                                  Predicate<String> autosign) throws CaException {
        Submission sub;
        try {
            sub = Submission.check(name, csrPem, address, callerHost, reservedNames());
        } catch (Submission.Refusal r) {
            log.warn("refused a CSR for {}: {}", Submission.printable(name), r.getMessage());
            return withCa(EnrolmentAnswer.refused(r.getMessage()));
        }
        String n = sub.name();
        String addr = sub.address();
        try (StoreLock.Held held = locked()) {
            CertIssuer issuer = files.issuer();
            CaRecord r = files.readRecord(n);
            List<CaRecord> others = files.readRecords().stream().filter(o -> !o.name().equals(n)).toList();
            String taken = addressTaken(others, addr);
            if (taken != null && (r == null || !r.address().equals(addr))) {
                log.warn("refused a CSR for {}: {}", n, taken);
                return withCa(EnrolmentAnswer.refused(taken));
            }
            boolean auto = autosign.test(n) && autosignAllowed(others, n);
            if (r == null) {
                // anyone can reach the enrolment port: a bounded queue keeps them from filling the disk
                if (!auto && files.pendingCount() >= settings.maxPending()) {
                    String reason = "the CA already has " + settings.maxPending() + " requests waiting"
                            + " (ca.max_pending); an administrator must sign or clean some first";
                    log.warn("refused a CSR for {}: {}", n, reason);
                    return withCa(EnrolmentAnswer.refused(reason));
                }
                files.write(files.pending(n), Pem.encode(sub.request()), false);
                files.writeRecord(CaRecord.pending(n, addr, CaRecord.now()));
                log.info("{} submitted a CSR (address {})", n, addr.isEmpty() ? "-" : addr);
            } else {
                String refusal = conflict(r, sub.key());
                if (refusal != null) {
                    log.warn("refused a CSR for {}: {}", n, refusal);
                    return withCa(EnrolmentAnswer.refused(refusal));
                }
                if (!r.address().equals(addr)) {
                    files.writeRecord(r.withAddress(addr));
                    log.info("{} now advertises {}", n, addr);
                }
            }
            if (auto && files.readRecord(n).state() == CaRecord.State.PENDING) {
                log.info("autosigning {}", n);
                signLocked(issuer, n, true);
            }
            return answerLocked(n);
        }
    }

    /**
     * Names no minion may enrol as: the service's, the default overlord name and the one
     * {@code init} used. Always both overlord names: minions configured for either must never
     * see it on an enrolled certificate (they grant nothing by name now, older ones still do).
     */
    Set<String> reservedNames() throws CaException {
        return Set.copyOf(java.util.List.of(SERVICE_NAME, DEFAULT_OVERLORD_NAME, files.overlordName()));
    }

    /** {@code certs.fetch}: the state of a name's request, with the certificate once signed. */
    public EnrolmentAnswer fetch(String name) throws CaException {
        String n;
        try {
            n = Submission.name(name);
        } catch (Submission.Refusal r) {
            return withCa(EnrolmentAnswer.refused(r.getMessage()));
        }
        try (StoreLock.Held held = locked()) {
            return answerLocked(n);
        }
    }

    /**
     * Re-issues the CRL when it is missing, not ours, older than a day or past half its
     * validity. Returns true when it wrote a new one.
     */
    public boolean refreshCrlIfDue() throws CaException {
        try (StoreLock.Held held = locked()) {
            CertIssuer issuer = files.issuer();
            String why = crlProblem(issuer);
            if (why == null) {
                return false;
            }
            writeCrl(issuer);
            log.info("re-issued the CRL ({})", why);
            return true;
        }
    }

    /** The enrolment service's TLS identity, issued (or renewed) by the CA when needed. */
    public Identity serviceIdentity() throws CaException {
        try (StoreLock.Held held = locked()) {
            CertIssuer issuer = files.issuer();
            X509Certificate ca = issuer.caCertificate();
            if (Files.exists(files.serviceKey()) && Files.exists(files.serviceCert())) {
                Identity id = CaFiles.pem(() -> Identity.load(files.serviceKey(), files.serviceCert()));
                if (CaFiles.serviceCertUsable(id.certificate(), ca, settings.certValidity())) {
                    return new Identity(id.key(), List.of(id.certificate(), ca));
                }
            }
            var keys = CertIssuer.newKeyPair();
            X509Certificate cert = issuer.issue(keys.getPublic(), SERVICE_NAME, CertIssuer.Usage.SERVER,
                    settings.certValidity());
            files.write(files.serviceKey(), Pem.encodePrivateKey(keys.getPrivate()), true);
            files.write(files.serviceCert(), Pem.encode(cert), false);
            log.info("issued the enrolment service's certificate ({})", files.serviceCert());
            return new Identity(keys.getPrivate(), List.of(cert, ca));
        }
    }

    // ---- under the lock ----

    private StoreLock.Held locked() throws CaException {
        files.requireCa();
        try {
            return lock.acquire();
        } catch (IOException e) {
            throw CaException.files(e.getMessage());
        }
    }

    private void requirePending(String name) throws CaException {
        CaRecord r = files.readRecord(name);
        if (r == null) {
            throw CaException.state("no request from " + name + ": nothing to sign (see: jfunc-ca list)");
        }
        if (r.state() != CaRecord.State.PENDING) {
            throw CaException.state(name + " is " + r.state().wire() + ", not pending: nothing to sign");
        }
    }

    private CaRecord signLocked(CertIssuer issuer, String name, boolean auto) throws CaException {
        CaRecord r = files.readRecord(name);
        PublicKey key = files.readCsr(name).key();
        X509Certificate cert = issuer.issue(key, name, CertIssuer.Usage.MINION, settings.certValidity());
        files.write(files.signed(name), Pem.encode(cert), false);
        CaRecord signed = r.asSigned(cert.getSerialNumber().toString(16), CaRecord.now(), auto);
        files.writeRecord(signed);
        files.delete(files.pending(name));
        log.info("signed {} (serial {}, valid until {})", name, signed.serial(), cert.getNotAfter().toInstant());
        return signed;
    }

    private CaRecord revokeLocked(CertIssuer issuer, CaRecord r) throws CaException {
        X509Certificate cert = CaFiles.pem(() -> Pem.readCertificate(files.signed(r.name())));
        Instant now = CaRecord.now();
        files.writeRevoked(cert, r.name(), now);
        CaRecord revoked = r.asRevoked(now);
        files.writeRecord(revoked);
        writeCrl(issuer);
        log.info("revoked {} (serial {}); the CRL was re-issued", r.name(), r.serial());
        return revoked;
    }

    private void writeCrl(CertIssuer issuer) throws CaException {
        X509CRL crl = issuer.crl(files.revokedSerials(Instant.now()), settings.crlValidity());
        files.write(files.crl(), Pem.encode(crl), false);
    }

    private String crlProblem(CertIssuer issuer) throws CaException {
        if (!Files.exists(files.crl())) {
            return files.crl() + " was missing";
        }
        X509CRL crl;
        try {
            crl = Pem.readCrl(files.crl());
            crl.verify(issuer.caCertificate().getPublicKey());
        } catch (Exception e) {
            return files.crl() + " was unusable: " + e.getMessage();
        }
        Instant now = Instant.now();
        Instant issued = crl.getThisUpdate().toInstant();
        Instant next = crl.getNextUpdate() == null ? now : crl.getNextUpdate().toInstant();
        if (issued.plus(Duration.ofDays(1)).isBefore(now)) {
            return "daily re-issue";
        }
        if (Duration.between(now, next).compareTo(Duration.between(issued, next).dividedBy(2)) < 0) {
            return "less than half of its validity was left";
        }
        return null;
    }

    /**
     * Why {@code address} may not be recorded for a name, or null: it is already the address of
     * another signed minion (the overlord would send that minion's calls to whoever enrolled it).
     * Re-enrolling under one's own name keeps one's address.
     */
    private static String addressTaken(List<CaRecord> others, String address) {
        if (address.isEmpty()) {
            return null;
        }
        for (CaRecord o : others) {
            if (o.state() == CaRecord.State.SIGNED && o.address().equals(address)) {
                return "the address " + address + " is already used by the signed minion " + o.name()
                        + " (a minion may only re-enrol with its own name; free it with `jfunc-ca revoke "
                        + o.name() + "` or `jfunc-ca clean " + o.name() + "`)";
            }
        }
        return null;
    }

    /**
     * Whether autosign may sign one more name now: fewer than {@code ca.autosign_max_per_hour}
     * autosigned in the last hour and fewer than {@code ca.autosign_max_names} autosigned names
     * signed in all. Otherwise the request waits for `jfunc-ca sign` (bounded by ca.max_pending).
     */
    private boolean autosignAllowed(List<CaRecord> others, String name) {
        Instant hourAgo = Instant.now().minus(Duration.ofHours(1));
        long lastHour = others.stream().filter(o -> o.autosigned() && o.signed() != null && o.signed().isAfter(hourAgo))
                .count();
        long alive = others.stream().filter(o -> o.autosigned() && o.state() == CaRecord.State.SIGNED).count();
        if (lastHour >= settings.autosignMaxPerHour()) {
            log.warn("not autosigning {}: {} names were autosigned in the last hour (ca.autosign_max_per_hour);"
                    + " it waits for `jfunc-ca sign`", name, lastHour);
            return false;
        }
        if (alive >= settings.autosignMaxNames()) {
            log.warn("not autosigning {}: {} autosigned names are signed already (ca.autosign_max_names); it waits"
                    + " for `jfunc-ca sign`", name, alive);
            return false;
        }
        return true;
    }

    /** Why a submission conflicts with what the CA already has for the name, or null. */
    private String conflict(CaRecord r, PublicKey key) throws CaException {
        String n = r.name();
        String clean = "; an administrator must run `jfunc-ca clean " + n + "` before it can enrol again";
        switch (r.state()) {
            case REVOKED:
                return "the certificate of " + n + " was revoked on " + r.revoked() + clean;
            case PENDING: {
                boolean same = Arrays.equals(files.readCsr(n).key().getEncoded(), key.getEncoded());
                return same ? null : "a request for " + n + " with a different key is already pending (since "
                        + r.submitted() + ")" + clean;
            }
            default: {
                X509Certificate cert = CaFiles.pem(() -> Pem.readCertificate(files.signed(n)));
                boolean same = Arrays.equals(cert.getPublicKey().getEncoded(), key.getEncoded());
                return same ? null : n + " already has a certificate for a different key (signed " + r.signed() + ")"
                        + clean;
            }
        }
    }

    private EnrolmentAnswer answerLocked(String n) throws CaException {
        CaRecord r = files.readRecord(n);
        EnrolmentAnswer a;
        if (r == null) {
            a = EnrolmentAnswer.refused(n + EnrolmentAnswer.NOT_KNOWN + ": submit a CSR first (certs.submit_csr)");
        } else {
            a = switch (r.state()) {
                case PENDING -> new EnrolmentAnswer(EnrolmentAnswer.State.PENDING, null, null, null,
                        "waiting for an administrator to run `jfunc-ca sign " + n + "`");
                case SIGNED -> new EnrolmentAnswer(EnrolmentAnswer.State.SIGNED, files.readText(files.signed(n)),
                        null, null, null);
                case REVOKED -> EnrolmentAnswer.refused("the certificate of " + n + " was revoked on " + r.revoked()
                        + "; an administrator must run `jfunc-ca clean " + n + "` before it can enrol again");
            };
        }
        return withCa(a);
    }

    private EnrolmentAnswer withCa(EnrolmentAnswer a) throws CaException {
        files.requireCa();
        return a.withCa(files.readText(files.caCert()), files.readIfExists(files.crl()));
    }
}
