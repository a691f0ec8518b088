package jfunc.minion;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import javax.net.ssl.SSLContext;
import jfunc.common.Config.ConfigException;
import jfunc.common.rpc.RpcServer;
import jfunc.common.tls.CaTrust;
import jfunc.common.tls.Identity;
import jfunc.common.tls.TlsContexts;
import jfunc.minion.jobs.JobService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The minion's transport: the mutual-TLS XML-RPC server in front of the dispatcher (modules and
 * job service), with authorisation by certificate name. Clients need a certificate signed by the
 * CA in {@code trust} and not in its CRL (replace the CRL at run time with {@link CaTrust#updateCrl}).
 * Started and stopped by {@link Minion}.
 */
final class MinionServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MinionServer.class);

    private final MinionSettings settings;
    private final MinionDispatcher dispatcher;
    private final InFlight inFlight;
    private final RpcServer rpc;

    private MinionServer(MinionSettings settings, MinionDispatcher dispatcher, InFlight inFlight, RpcServer rpc) {
        this.settings = settings;
        this.dispatcher = dispatcher;
        this.inFlight = inFlight;
        this.rpc = rpc;
    }

    /** Reads the ACL and starts serving {@code registry} and {@code jobs} on {@code settings.listen()}. */
    static MinionServer start(MinionSettings settings, Identity identity, CaTrust trust, ModuleRegistry registry,
                              JobService jobs) throws IOException, ConfigException, GeneralSecurityException {
        Acl acl = loadAcl(settings);
        MinionDispatcher dispatcher = new MinionDispatcher(registry, jobs, acl);
        InFlight inFlight = new InFlight(dispatcher);
        SSLContext tls = TlsContexts.mutual(identity, trust);
        InetSocketAddress listen = new InetSocketAddress(settings.listen().getHostString(), settings.listen().getPort());
        RpcServer.Options options = RpcServer.Options.defaults(listen)
                .withName("minion")
                .withClientCert(true)
                .withMaxBodyBytes(settings.maxBodyBytes())
                .withWorkerThreads(settings.workerThreads());
        RpcServer rpc = RpcServer.start(options, tls, inFlight);
        rpc.enforceRevocation(trust); // a new CRL closes the connections of the peers it revokes
        return new MinionServer(settings, dispatcher, inFlight, rpc);
    }

    private static Acl loadAcl(MinionSettings settings) throws ConfigException {
        boolean named = settings.config().get("acl_file", null) != null;
        return settings.aclFile() == null ? new Acl(settings.overlordName(), java.util.List.of())
                : Acl.load(settings.overlordName(), settings.aclFile(), named);
    }

    /** Re-reads the ACL file; on an error the old ACL stays and the error is thrown. */
    void reloadAcl() throws ConfigException {
        dispatcher.acl(loadAcl(settings));
        log.info("ACL reloaded from {}", settings.aclFile());
    }

    /** How many calls have started since the server started (to tell idle periods apart). */
    long callsStarted() {
        return inFlight.started();
    }

    /** The bound address (with the real port when port 0 was asked for). */
    InetSocketAddress address() {
        return rpc.address();
    }

    /** The transport's counts (connections, handshakes, refusals), for metrics. */
    RpcServer.Stats transportStats() {
        return rpc.stats();
    }

    /** After the calls, how long their replies may take to go out. */
    private static final int REPLY_GRACE_SECONDS = 2;

    /**
     * Refuses new calls (UNAVAILABLE), gives running calls up to {@code graceSeconds} to finish,
     * then closes the port. Returns as soon as no call runs (waiting here, where calls are counted
     * by the dispatcher, also covers calls whose request is still being read).
     */
    void stop(int graceSeconds) {
        int left = inFlight.drain(java.time.Duration.ofSeconds(Math.max(0, graceSeconds)));
        if (left > 0) {
            log.warn("stopping with {} call(s) still running", left);
        }
        // Calls have returned; their replies may still be on the way out: give them a moment.
        rpc.stop(REPLY_GRACE_SECONDS);
    }

    @Override
    public void close() {
        stop(0);
    }
}
