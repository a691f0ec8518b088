package jfunc.minion.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import jfunc.certs.CaSettings;
import jfunc.certs.CaStore;
import jfunc.certs.enrol.EnrolmentClient;
import jfunc.certs.enrol.EnrolmentException;
import jfunc.certs.service.EnrolmentService;
import jfunc.common.Faults;
import jfunc.common.HostPort;
import jfunc.common.StateDir;
import jfunc.common.rpc.RpcClient;
import jfunc.common.tls.CaTrust;
import jfunc.common.tls.CertIssuer;
import jfunc.common.tls.Identity;
import jfunc.common.tls.OverlordMark;
import jfunc.common.tls.Pem;
import jfunc.common.tls.TlsContexts;
import org.apache.xmlrpc.XmlRpcException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, finding 1: with {@code jfunc-ca serve --autosign '*'}, anyone could enrol the name a
 * minion took for the overlord's ({@code init --overlord-name admin} while minions kept the default
 * {@code overlord}, or the other way round) and run {@code command.run id} as the minion's user.
 * Now the CA reserves both names and the real jfuncd grants overlord rights on the overlord mark
 * alone, whatever the name.
 */
class OverlordNameTakeoverTest {
    static final String NAME = JfuncdProcessTest.NAME;

    @TempDir
    Path state;

    @Test
    void initAsAdminWhileMinionsExpectOverlord() throws Exception {
        CaStore store = new CaStore(new StateDir(state), CaSettings.defaults());
        store.init("admin");
        Files.writeString(state.resolve("acl.conf"), "# only the overlord\n");
        try (EnrolmentService ca = EnrolmentService.start(store, new InetSocketAddress("127.0.0.1", 0),
                EnrolmentService.autosign("*"))) {
            HostPort caAddress = new HostPort("127.0.0.1", ca.address().getPort());
            try (Minion m = Minion.start(state, caAddress, null)) {
                // the CA refuses the name whatever init used
                EnrolmentException refused = assertThrows(EnrolmentException.class,
                        () -> attacker("overlord", caAddress).enrol());
                assertTrue(refused.getMessage().contains("reserved"), refused.getMessage());
                assertThrows(EnrolmentException.class, () -> attacker("jfunc-ca", caAddress).enrol());

                // a certificate named "overlord" that an older CA signed for an enrolment gets nothing
                Identity squatter = signedByTheCa("overlord", CertIssuer.Usage.MINION);
                XmlRpcException e = assertThrows(XmlRpcException.class,
                        () -> m.client(squatter).call(m.endpoint, "command.run", "id"));
                assertEquals(Faults.FORBIDDEN, e.code, e.getMessage());
                assertTrue(m.sawLine("without the jfunc overlord mark"), m.lines());

                // the real overlord (named admin, marked) runs commands
                Identity overlord = overlordIdentity();
                assertTrue(OverlordMark.on(overlord.certificate()));
                assertEquals("admin", jfunc.common.tls.Certs.commonName(overlord.certificate()));
                assertArrayEquals(new Object[] {0, "hi\n", ""},
                        (Object[]) m.client(overlord).call(m.endpoint, "command.run", "echo hi"));
            }
        }
    }

    @Test
    void initAsOverlordWhileMinionsExpectAdmin() throws Exception {
        CaStore store = new CaStore(new StateDir(state), CaSettings.defaults());
        store.init("overlord");
        Files.writeString(state.resolve("acl.conf"), "# only the overlord\n");
        Path conf = state.resolve("minion.conf");
        Files.writeString(conf, "overlord_name = admin\n");
        try (EnrolmentService ca = EnrolmentService.start(store, new InetSocketAddress("127.0.0.1", 0),
                EnrolmentService.autosign("*"))) {
            HostPort caAddress = new HostPort("127.0.0.1", ca.address().getPort());
            try (Minion m = Minion.start(state, caAddress, conf)) {
                // "admin" is an ordinary name for this CA: autosign signs it...
                Identity admin = attacker("admin", caAddress).enrol().identity();
                assertFalse(OverlordMark.on(admin.certificate()), "enrolment must never issue the overlord mark");
                // ...and the minion, though configured with overlord_name = admin, grants it nothing
                for (String method : List.of("command.run", "async.command.run")) {
                    XmlRpcException e = assertThrows(XmlRpcException.class,
                            () -> m.client(admin).call(m.endpoint, method, "id"));
                    assertEquals(Faults.FORBIDDEN, e.code, method + ": " + e.getMessage());
                }
                XmlRpcException batch = assertThrows(XmlRpcException.class, () -> m.client(admin).call(m.endpoint,
                        "system.multicall", (Object) new Object[] {java.util.Map.of("methodName", "command.run",
                                "params", new Object[] {"id"})}));
                assertEquals(Faults.FORBIDDEN, batch.code);
                assertTrue(m.sawLine("a certificate named 'admin' (overlord_name) without the jfunc overlord mark"),
                        m.lines());

                // the real overlord still works although its name is not overlord_name
                assertArrayEquals(new Object[] {0, "hi\n", ""},
                        (Object[]) m.client(overlordIdentity()).call(m.endpoint, "command.run", "echo hi"));
            }
        }
    }

    @Test
    void initReissuesAnOverlordCertificateWithoutTheMark() throws Exception {
        CaStore store = new CaStore(new StateDir(state), CaSettings.defaults());
        store.init("overlord");
        // an overlord identity as init wrote it before the mark existed
        Identity old = signedByTheCa("overlord", CertIssuer.Usage.CLIENT);
        Path od = state.resolve("overlord");
        Files.writeString(od.resolve("overlord.key"), Pem.encodePrivateKey(old.key()));
        Files.writeString(od.resolve("overlord.crt"), Pem.encode(old.certificate()));

        CaStore.InitResult r = store.init("overlord");
        assertFalse(r.created());
        assertTrue(r.overlordReissued());
        Identity now = overlordIdentity();
        assertTrue(OverlordMark.on(now.certificate()));
        assertEquals("overlord", jfunc.common.tls.Certs.commonName(now.certificate()));
        assertTrue(Pem.readCrl(state.resolve("ca").resolve("crl.pem")).isRevoked(old.certificate()),
                "the unmarked certificate is revoked");
        assertFalse(store.init("overlord").overlordReissued(), "a second init changes nothing");
    }

    private EnrolmentClient attacker(String name, HostPort ca) throws Exception {
        Path dir = Files.createTempDirectory(state, "attacker");
        return new EnrolmentClient(dir.resolve(name), name, "127.0.0.1:9", ca).withMaxWait(Duration.ofSeconds(20));
    }

    private Identity overlordIdentity() throws Exception {
        Path o = state.resolve("overlord");
        return Identity.load(o.resolve("overlord.key"), o.resolve("overlord.crt"));
    }

    /** A certificate issued with the CA's own key, as an older CA would have signed an enrolment. */
    private Identity signedByTheCa(String name, CertIssuer.Usage usage) throws Exception {
        Path ca = state.resolve("ca");
        CertIssuer issuer = new CertIssuer(Pem.readPrivateKey(ca.resolve("ca.key")), Pem.readCertificate(ca.resolve("ca.crt")));
        var keys = CertIssuer.newKeyPair();
        return new Identity(keys.getPrivate(), List.of(issuer.issue(keys.getPublic(), name, usage, Duration.ofDays(1))));
    }

    /** A real jfuncd that enrolled with the CA and serves on loopback. */
    static final class Minion implements AutoCloseable {
        final Process process;
        final RpcClient.Endpoint endpoint;
        final CaTrust trust;
        private final LinkedBlockingQueue<String> queue;
        private final List<String> seen;

        private Minion(Process process, RpcClient.Endpoint endpoint, CaTrust trust, LinkedBlockingQueue<String> queue,
                       List<String> seen) {
            this.process = process;
            this.endpoint = endpoint;
            this.trust = trust;
            this.queue = queue;
            this.seen = seen;
        }

        static Minion start(Path state, HostPort ca, Path config) throws Exception {
            LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
            List<String> seen = new ArrayList<>();
            int port;
            try (var free = new java.net.ServerSocket(0)) {
                port = free.getLocalPort();
            }
            List<String> args = new ArrayList<>(List.of("--ca", ca.toString(), "--listen", "127.0.0.1:" + port));
            if (config != null) {
                args.addAll(List.of("--config", config.toString()));
            }
            Process p = JfuncdProcessTest.start(state, lines, args.toArray(String[]::new));
            try {
                Matcher serving = JfuncdProcessTest.awaitServing(p, lines, seen);
                var endpoint = new RpcClient.Endpoint(NAME, "127.0.0.1", Integer.parseInt(serving.group(2)));
                CaTrust trust = new CaTrust(Pem.readCertificate(state.resolve("overlord").resolve("ca.crt")), null);
                return new Minion(p, endpoint, trust, lines, seen);
            } catch (Exception | Error e) {
                p.destroyForcibly();
                throw e;
            }
        }

        RpcClient client(Identity who) throws Exception {
            return new RpcClient(TlsContexts.mutual(who, trust), Duration.ofSeconds(5), Duration.ofSeconds(30));
        }

        boolean sawLine(String part) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline) {
                if (seen.stream().anyMatch(l -> l.contains(part))) {
                    return true;
                }
                String l = queue.poll(100, TimeUnit.MILLISECONDS);
                if (l != null) {
                    seen.add(l);
                }
            }
            return false;
        }

        String lines() {
            return String.join("\n", seen);
        }

        @Override
        public void close() throws Exception {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
