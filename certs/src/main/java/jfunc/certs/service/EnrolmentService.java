package jfunc.certs.service;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Predicate;
import jfunc.certs.CaException;
import jfunc.certs.CaStore;
import jfunc.common.Glob;
import jfunc.common.Periodic;
import jfunc.common.rpc.RpcServer;
import jfunc.common.tls.TlsContexts;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The enrolment service ({@code jfunc-ca serve}): {@code certs.submit_csr} and {@code certs.fetch}
 * over TLS 1.3 without client certificates (a new minion has none), with a server certificate
 * for {@value CaStore#SERVICE_NAME} issued by the CA. Every request reads the store afresh, so
 * {@code jfunc-ca sign/revoke/clean} take effect at once. The CRL is re-issued hourly when due
 * (daily, or when half its validity has passed).
 */
public final class EnrolmentService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EnrolmentService.class);
    public static final int DEFAULT_PORT = 51235;
    /** How often the CRL's age is checked (it is re-issued daily, or at half its validity). */
    static final java.time.Duration CRL_CHECK = java.time.Duration.ofHours(1);

    private final RpcServer server;
    private final ScheduledExecutorService crlTimer;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private EnrolmentService(RpcServer server, ScheduledExecutorService crlTimer) {
        this.server = server;
        this.crlTimer = crlTimer;
    }

    /**
     * Binds and serves. {@code autosign} decides which names are signed at once (use
     * {@link #autosign(String)}). Throws CaException when the CA's files are unusable and
     * {@link java.net.BindException} (naming the address) when the port is taken.
     */
    public static EnrolmentService start(CaStore store, InetSocketAddress listen, Predicate<String> autosign)
            throws CaException, IOException {
        store.refreshCrlIfDue();
        javax.net.ssl.SSLContext tls;
        try {
            tls = TlsContexts.serverOnly(store.serviceIdentity());
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot set up TLS for the enrolment service: " + e.getMessage(), e);
        }
        RpcServer.Options options = RpcServer.Options.defaults(listen).withName("jfunc-ca")
                .withClientCert(false).withMaxBodyBytes(64 * 1024).withWorkerThreads(4);
        RpcServer server = RpcServer.start(options, tls, new EnrolmentEndpoint(store, autosign));
        ScheduledExecutorService timer = Periodic.timer("jfunc-ca-crl");
        Periodic.every(timer, "CRL re-issue", CRL_CHECK, () -> {
            try {
                store.refreshCrlIfDue();
            } catch (CaException e) {
                log.warn("could not re-issue the CRL: {}", e.getMessage());
            }
        });
        return new EnrolmentService(server, timer);
    }

    /**
     * The autosign rule from {@code --autosign}: globs separated by ';' or ',' (e.g.
     * {@code *.lab.example.org;web?}); null or blank signs nothing at once. Throws
     * IllegalArgumentException for a malformed glob.
     */
    public static Predicate<String> autosign(String globs) {
        if (globs == null || globs.isBlank()) {
            return name -> false;
        }
        List<Glob> list = Arrays.stream(globs.split("[;,]")).map(String::trim).filter(s -> !s.isEmpty())
                .map(g -> Glob.of(g.toLowerCase(java.util.Locale.ROOT))).toList();
        return name -> list.stream().anyMatch(g -> g.matches(name));
    }

    public InetSocketAddress address() {
        return server.address();
    }

    /** Stops serving; calling it again does nothing. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        crlTimer.shutdownNow();
        server.stop(1);
    }
}
