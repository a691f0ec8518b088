package jfunc.certs.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import jfunc.certs.CaRecord;
import jfunc.certs.CaSettings;
import jfunc.certs.CaStore;
import jfunc.certs.EnrolmentAnswer;
import jfunc.common.Glob;
import jfunc.common.Names;
import jfunc.common.StateDir;
import jfunc.common.rpc.RpcClient;
import jfunc.common.tls.CertIssuer;
import jfunc.common.tls.TlsContexts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, finding 4: with {@code --autosign '*'} anyone could create unlimited names, each with
 * an address of its choosing in the '*' inventory (even a real minion's address), and claim names
 * that an ACL glob grants. Against the real enrolment service over TLS.
 */
class AutosignFloodTest {
    @TempDir
    Path dir;

    private EnrolmentAnswer submit(RpcClient client, RpcClient.Endpoint at, String name, String address) throws Exception {
        return EnrolmentAnswer.fromStruct(client.call(at, "certs.submit_csr", name,
                EnrolmentServiceTest.csr(CertIssuer.newKeyPair(), name), address));
    }

    @Test
    void autosignStopsAtItsHourlyLimitAndTheRestWaitsBoundedByMaxPending() throws Exception {
        CaStore store = new CaStore(new StateDir(dir), new CaSettings(CaSettings.DEFAULT_CA_VALIDITY,
                CaSettings.DEFAULT_CERT_VALIDITY, CaSettings.DEFAULT_CRL_VALIDITY, 2).withAutosignLimits(3, 1000));
        store.init("overlord");
        try (EnrolmentService service = EnrolmentService.start(store, new InetSocketAddress("127.0.0.1", 0),
                EnrolmentService.autosign("*"))) {
            RpcClient client = new RpcClient(TlsContexts.enrolment(store.caCertificate()), Duration.ofSeconds(5),
                    Duration.ofSeconds(10));
            var at = new RpcClient.Endpoint(CaStore.SERVICE_NAME, "127.0.0.1", service.address().getPort());
            for (int i = 0; i < 3; i++) {
                assertEquals(EnrolmentAnswer.State.SIGNED, submit(client, at, "flood" + i, "127.0.0.1:" + (40000 + i)).state());
            }
            // the fourth and fifth wait for an administrator; the sixth finds the queue full
            assertEquals(EnrolmentAnswer.State.PENDING, submit(client, at, "flood3", "127.0.0.1:40003").state());
            assertEquals(EnrolmentAnswer.State.PENDING, submit(client, at, "flood4", "127.0.0.1:40004").state());
            EnrolmentAnswer full = submit(client, at, "flood5", "127.0.0.1:40005");
            assertEquals(EnrolmentAnswer.State.REFUSED, full.state());
            assertTrue(full.reason().contains("ca.max_pending"), full.reason());
            long signed = store.list().stream().filter(r -> r.state() == CaRecord.State.SIGNED).count();
            assertEquals(3, signed);
            assertTrue(store.list().stream().filter(r -> r.state() == CaRecord.State.SIGNED).allMatch(CaRecord::autosigned));
            // an administrator's signature is not autosign's: it is always possible
            assertEquals(1, store.sign(List.of("flood3")).size());
            assertFalse(store.list().stream().filter(r -> r.name().equals("flood3")).findFirst().get().autosigned());
        }
    }

    @Test
    void autosignStopsAtItsNameCap() throws Exception {
        CaStore store = new CaStore(new StateDir(dir), CaSettings.defaults().withAutosignLimits(100, 2));
        store.init("overlord");
        try (EnrolmentService service = EnrolmentService.start(store, new InetSocketAddress("127.0.0.1", 0),
                EnrolmentService.autosign("*"))) {
            RpcClient client = new RpcClient(TlsContexts.enrolment(store.caCertificate()), Duration.ofSeconds(5),
                    Duration.ofSeconds(10));
            var at = new RpcClient.Endpoint(CaStore.SERVICE_NAME, "127.0.0.1", service.address().getPort());
            assertEquals(EnrolmentAnswer.State.SIGNED, submit(client, at, "a1", "").state());
            assertEquals(EnrolmentAnswer.State.SIGNED, submit(client, at, "a2", "").state());
            assertEquals(EnrolmentAnswer.State.PENDING, submit(client, at, "a3", "").state());
            store.revoke("a1"); // a revoked name no longer counts
            assertEquals(EnrolmentAnswer.State.SIGNED, submit(client, at, "a4", "").state());
        }
    }

    @Test
    void anAddressOfAnotherSignedMinionIsRefused() throws Exception {
        CaStore store = new CaStore(new StateDir(dir), CaSettings.defaults());
        store.init("overlord");
        try (EnrolmentService service = EnrolmentService.start(store, new InetSocketAddress("127.0.0.1", 0),
                EnrolmentService.autosign("*"))) {
            RpcClient client = new RpcClient(TlsContexts.enrolment(store.caCertificate()), Duration.ofSeconds(5),
                    Duration.ofSeconds(10));
            var at = new RpcClient.Endpoint(CaStore.SERVICE_NAME, "127.0.0.1", service.address().getPort());
            var webKeys = CertIssuer.newKeyPair();
            assertEquals(EnrolmentAnswer.State.SIGNED, EnrolmentAnswer.fromStruct(client.call(at, "certs.submit_csr",
                    "web1", EnrolmentServiceTest.csr(webKeys, "web1"), "10.0.0.5:51234")).state());
            var recordsBefore = store.list();

            // another name claiming web1's address: refused, nothing recorded
            EnrolmentAnswer stolen = submit(client, at, "evil", "10.0.0.5:51234");
            assertEquals(EnrolmentAnswer.State.REFUSED, stolen.state());
            assertTrue(stolen.reason().contains("already used by the signed minion web1"), stolen.reason());
            assertEquals(recordsBefore, store.list());

            // web1 re-enrolling with its own name and key keeps its address
            assertEquals(EnrolmentAnswer.State.SIGNED, EnrolmentAnswer.fromStruct(client.call(at, "certs.submit_csr",
                    "web1", EnrolmentServiceTest.csr(webKeys, "web1"), "10.0.0.5:51234")).state());
            // another port on that host is another minion
            assertEquals(EnrolmentAnswer.State.SIGNED, submit(client, at, "web2", "10.0.0.5:51235").state());
            // a signed name may not move onto another's address either
            EnrolmentAnswer moved = EnrolmentAnswer.fromStruct(client.call(at, "certs.submit_csr", "web1",
                    EnrolmentServiceTest.csr(webKeys, "web1"), "10.0.0.5:51235"));
            assertEquals(EnrolmentAnswer.State.REFUSED, moved.state());
            // once web1 is revoked, its address is free
            store.revoke("web1");
            assertEquals(EnrolmentAnswer.State.SIGNED, submit(client, at, "web9", "10.0.0.5:51234").state());
        }
    }

    @Test
    void serveWarnsAboutAutosignEverythingAndOverlapsWithAclGlobs() throws Exception {
        Path acl = dir.resolve("minion-acl.conf");
        Files.writeString(acl, "# monitoring\nmon*.example.com = test.ping, facts.*\nweb[0-9].example.org = test.*\n");
        var any = new InetSocketAddress("0.0.0.0", 51235);
        var loop = new InetSocketAddress("127.0.0.1", 51235);
        List<String> star = AutosignWarnings.check("*", any, List.of(acl));
        assertTrue(star.stream().anyMatch(w -> w.contains("signs every name")), star.toString());
        assertTrue(star.stream().anyMatch(w -> w.contains("overlaps 'mon*.example.com' in " + acl + ":2")), star.toString());
        assertTrue(star.stream().anyMatch(w -> w.contains("overlaps 'web[0-9].example.org'")), star.toString());
        assertFalse(AutosignWarnings.check("*", loop, List.of()).stream().anyMatch(w -> w.contains("signs every name")));
        assertEquals(List.of(), AutosignWarnings.check("*.lab.example.org", any, List.of(acl)));
        assertEquals(1, AutosignWarnings.check("m?n*", loop, List.of(acl)).size());
        assertEquals(List.of(), AutosignWarnings.check("", any, List.of(acl)));
        assertEquals(List.of(), AutosignWarnings.check("web1.lab", any, List.of(dir.resolve("missing.conf"))));
        // overlap is about some name matching both
        assertTrue(Glob.of("web*").overlaps(Glob.of("*.example.org"), Names.ALPHABET));
        assertFalse(Glob.of("web?").overlaps(Glob.of("db*"), Names.ALPHABET));
        assertFalse(Glob.of("a[!b]").overlaps(Glob.of("ab"), Names.ALPHABET));
        assertTrue(Glob.of("a[!b]").overlaps(Glob.of("a?"), Names.ALPHABET));
    }
}
