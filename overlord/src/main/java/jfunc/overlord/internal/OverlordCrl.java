package jfunc.overlord.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import jfunc.common.HostPort;
import jfunc.common.SecureFiles;
import jfunc.common.StateDir;
import jfunc.common.rpc.RpcClient;
import jfunc.common.tls.Certs;
import jfunc.common.tls.LeanPem;
import jfunc.common.tls.Pem;
import jfunc.common.tls.TlsContexts;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@code STATE/overlord/crl.pem} current when the CA lives on another host: with
 * {@code JFUNC_CA=HOST:PORT} (the enrolment service, as minions use it) and no
 * {@code STATE/ca/crl.pem} here, the CRL is fetched with {@code certs.fetch} over TLS pinned to
 * {@code STATE/overlord/ca.crt} once it is older than {@code JFUNC_CRL_REFRESH} (5 min), and
 * written when newer. Without it a revoked minion would go on receiving commands and files
 * from an overlord that never sees the new CRL. A failure is logged; the file in place stays in use.
 */
public final class OverlordCrl {
    private static final Logger log = LoggerFactory.getLogger(OverlordCrl.class);
    public static final Duration DEFAULT_REFRESH = Duration.ofMinutes(5);
    /** The name in the enrolment service's certificate (the CA's SERVICE_NAME; overlord does not link certs). */
    static final String SERVICE_NAME = "jfunc-ca";
    private static final int DEFAULT_CA_PORT = 51235;

    private OverlordCrl() {}

    /** {@link #refreshIfDue(StateDir, String, Duration)} with JFUNC_CA and JFUNC_CRL_REFRESH. */
    public static void refreshIfDue(StateDir state) {
        String refresh = System.getenv("JFUNC_CRL_REFRESH");
        Duration every = DEFAULT_REFRESH;
        if (refresh != null && !refresh.isBlank()) {
            try {
                every = jfunc.common.Durations.parse(refresh.strip());
            } catch (IllegalArgumentException e) {
                log.warn("JFUNC_CRL_REFRESH: {}; using {}", e.getMessage(), DEFAULT_REFRESH);
            }
        }
        refreshIfDue(state, System.getenv("JFUNC_CA"), every);
    }

    /** Fetches the CRL when {@code ca} is set, the CA is not on this host and the file is older than {@code every}. */
    public static void refreshIfDue(StateDir state, String ca, Duration every) {
        if (ca == null || ca.isBlank() || Files.exists(state.ca().resolve(OverlordFiles.CRL))) {
            return;
        }
        Path file = state.overlord().resolve(OverlordFiles.CRL);
        try {
            if (Files.exists(file) && Files.getLastModifiedTime(file).toInstant().plus(every).isAfter(Instant.now())) {
                return;
            }
            fetch(state, HostPort.parse(ca.strip(), DEFAULT_CA_PORT));
        } catch (Exception e) {
            log.warn("CRL not refreshed from the CA at {} ({}); using {}", ca, e.getMessage() == null ? e : e.getMessage(),
                    Files.exists(file) ? file : "no CRL");
        }
    }

    /** Fetches the CA's CRL once and writes it to STATE/overlord/crl.pem when newer; returns the one in use. */
    public static X509CRL fetch(StateDir state, HostPort ca) throws Exception {
        Path caFile = state.overlord().resolve(OverlordFiles.CA);
        X509Certificate pinned = LeanPem.certificates(caFile).get(0);
        Path own = state.overlord().resolve(OverlordFiles.CERT);
        String name = Files.exists(own) ? Certs.commonName(LeanPem.certificates(own).get(0)) : "overlord";
        Object answer;
        try (RpcClient client = new RpcClient(TlsContexts.enrolment(pinned), Duration.ofSeconds(5), Duration.ofSeconds(10))) {
            answer = client.call(new RpcClient.Endpoint(SERVICE_NAME, ca.host(), ca.port()), "certs.fetch", name);
        }
        if (!(answer instanceof Map<?, ?> m) || !(m.get("crl") instanceof String text)) {
            throw new IOException("the CA sent no CRL");
        }
        X509CRL crl = Pem.crl(text, "the CA's CRL");
        crl.verify(pinned.getPublicKey()); // not ours: refused (a CA on the other end that is not ours)
        Path file = state.overlord().resolve(OverlordFiles.CRL);
        X509CRL current = Files.exists(file) ? LeanPem.crl(file) : null;
        if (current == null || crl.getThisUpdate().after(current.getThisUpdate())) {
            SecureFiles.write(file, text.getBytes(StandardCharsets.US_ASCII), false);
            log.info("refreshed {} from the CA at {} (issued {})", file, ca, crl.getThisUpdate().toInstant());
            return crl;
        }
        Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.from(Instant.now())); // checked: current
        return current;
    }
}
