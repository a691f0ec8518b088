package jfunc.certs.enrol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import jfunc.certs.CaRecord;
import jfunc.certs.CaSettings;
import jfunc.certs.CaStore;
import jfunc.certs.cli.CaCliTestAccess;
import jfunc.certs.service.EnrolmentService;
import jfunc.common.HostPort;
import jfunc.common.StateDir;
import jfunc.common.testing.TestPki;
import jfunc.common.tls.CaTrust;
import jfunc.common.tls.CertIssuer;
import jfunc.common.tls.Pem;
import jfunc.common.tls.TlsContexts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The enrolment client against the real service on loopback, as a minion agent would use it. */
class EnrolmentClientTest {
    @TempDir
    Path dir;
    StateDir state;
    CaStore store;
    EnrolmentService service;
    final ExecutorService threads = Executors.newCachedThreadPool();

    @BeforeEach
    void init() throws Exception {
        state = new StateDir(dir);
        store = new CaStore(state, CaSettings.defaults());
        store.init("overlord");
    }

    @AfterEach
    void stop() {
        threads.shutdownNow();
        if (service != null) {
            service.close();
        }
    }

    void serve(int port, Predicate<String> autosign) throws Exception {
        service = EnrolmentService.start(store, new InetSocketAddress("127.0.0.1", port), autosign);
    }

    /** m1 advertises 127.0.0.1:52001, m2 52002, ...: one address per signed minion. */
    EnrolmentClient client(String name) {
        String port = name.matches("m[0-9]") ? "5200" + name.charAt(1) : "52001";
        return new EnrolmentClient(state.minion(name), name, "127.0.0.1:" + port,
                new HostPort("127.0.0.1", service.address().getPort()))
                .withBackoff(Duration.ofMillis(100), Duration.ofMillis(500)).withMaxWait(Duration.ofSeconds(30));
    }

    void awaitPending(String name) throws Exception {
        for (int i = 0; i < 200; i++) {
            if (store.list().stream().anyMatch(r -> r.name().equals(name) && r.state() == CaRecord.State.PENDING)) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(name + " never became pending");
    }

    @Test
    void enrolsWaitsForTheAdminAndWritesTheIdentity() throws Exception {
        serve(0, n -> false);
        EnrolmentClient client = client("web1.example.org");
        assertFalse(client.isEnrolled());
        Future<EnrolmentClient.Credentials> enrolled = threads.submit(client::enrol);
        awaitPending("web1.example.org");
        assertEquals(0, CaCliTestAccess.run("--state-dir", dir.toString(), "sign", "web1.example.org"));
        EnrolmentClient.Credentials creds = enrolled.get(20, TimeUnit.SECONDS);

        Path m = state.minion("web1.example.org");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(m.resolve("minion.key"))));
        assertEquals(store.caCertificate(), Pem.readCertificate(m.resolve("ca.crt")), "CA pinned on first use");
        assertEquals(creds.identity().certificate(), Pem.readCertificate(m.resolve("minion.crt")));
        creds.identity().certificate().verify(creds.ca().getPublicKey());
        assertTrue(Files.exists(m.resolve("crl.pem")));
        assertEquals("127.0.0.1:52001", store.list().get(0).address());
        TlsContexts.mutual(creds.identity(), new CaTrust(creds.ca(), creds.crl())); // usable as is

        assertTrue(client.isEnrolled());
        service.close();
        service = null;
        assertEquals(creds.identity().certificate(), client.enrol().identity().certificate(), "no CA call needed");
    }

    @Test
    void keepsTryingWhileTheCaIsDownAndEnrolsOnceItIsUp() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        EnrolmentClient client = new EnrolmentClient(state.minion("m1"), "m1", "127.0.0.1:52002", new HostPort("127.0.0.1", port))
                .withBackoff(Duration.ofMillis(200), Duration.ofSeconds(1)).withMaxWait(Duration.ofSeconds(30));
        Future<EnrolmentClient.Credentials> enrolled = threads.submit(client::enrol);
        Thread.sleep(2500);
        assertFalse(enrolled.isDone(), "still waiting for the CA");
        serve(port, EnrolmentService.autosign("m*"));
        EnrolmentClient.Credentials creds = enrolled.get(20, TimeUnit.SECONDS);
        assertEquals("m1", creds.identity().name());
    }

    @Test
    void aRefusalStopsWithTheCasReason() throws Exception {
        serve(0, EnrolmentService.autosign("*"));
        store.submit("m1", Pem.encode(CertIssuer.csr(CertIssuer.newKeyPair(), "m1")), "", null, n -> false);
        EnrolmentException e = assertThrows(EnrolmentException.class, () -> client("m1").enrol());
        assertEquals(EnrolmentException.Reason.REFUSED, e.reason());
        assertTrue(e.getMessage().contains("different key") && e.getMessage().contains("jfunc-ca clean m1"), e.getMessage());
    }

    @Test
    void maxWaitEndsAPendingWaitWithTheReason() throws Exception {
        serve(0, n -> false);
        EnrolmentException e = assertThrows(EnrolmentException.class,
                () -> client("m1").withMaxWait(Duration.ofMillis(1500)).enrol());
        assertEquals(EnrolmentException.Reason.TIMED_OUT, e.reason());
        assertTrue(e.getMessage().contains("waiting for `jfunc-ca sign m1`"), e.getMessage());
    }

    @Test
    void aPinnedCaThatIsNotTheServersNeverGetsACertificate() throws Exception {
        serve(0, EnrolmentService.autosign("*"));
        Path m = state.minion("m1");
        Files.createDirectories(m);
        Files.writeString(m.resolve("ca.crt"), Pem.encode(new TestPki("other-ca").caCertificate()));
        EnrolmentException e = assertThrows(EnrolmentException.class,
                () -> client("m1").withMaxWait(Duration.ofMillis(1500)).enrol());
        assertEquals(EnrolmentException.Reason.TIMED_OUT, e.reason());
        assertTrue(e.getMessage().contains("TLS"), e.getMessage());
        assertFalse(Files.exists(m.resolve("minion.crt")));
        assertTrue(store.list().isEmpty(), "the request never reached the CA");
    }

    @Test
    void enrolmentIsInterruptible() throws Exception {
        serve(0, n -> false);
        EnrolmentClient client = client("m1");
        Future<EnrolmentClient.Credentials> enrolled = threads.submit(client::enrol);
        awaitPending("m1");
        enrolled.cancel(true);
        threads.shutdown();
        assertTrue(threads.awaitTermination(5, TimeUnit.SECONDS), "the enrolment thread ended");
    }

    /**
     * Interrupts land wherever the enrolment happens to be (a call, the client's start or stop, the
     * back-off): with a 1 ms back-off most land inside a call. Each must end the enrolment.
     */
    @Test
    void anInterruptAtAnyMomentEndsEnrolment() throws Exception {
        serve(0, n -> false);
        for (int i = 0; i < 20; i++) {
            String name = "m" + (i % 9 + 1);
            EnrolmentClient client = client(name).withBackoff(Duration.ofMillis(1), Duration.ofMillis(2));
            Thread t = new Thread(() -> {
                try {
                    client.enrol();
                } catch (Exception e) {
                    // interrupted: what we want
                }
            });
            t.start();
            Thread.sleep(30 + 17L * i);
            t.interrupt();
            t.join(5000);
            assertFalse(t.isAlive(), "round " + i + ": the interrupted enrolment ended");
        }
    }

    @Test
    void fetchCrlBringsTheNewCrlAfterARevocation() throws Exception {
        serve(0, EnrolmentService.autosign("*"));
        EnrolmentClient m1 = client("m1");
        m1.enrol();
        var m2 = client("m2").enrol();
        Thread.sleep(1000); // CRL times have one-second resolution
        store.revoke("m2");
        var crl = m1.fetchCrl();
        assertTrue(crl.isRevoked(m2.identity().certificate()));
        assertTrue(Pem.readCrl(state.minion("m1").resolve("crl.pem")).isRevoked(m2.identity().certificate()));
        service.close();
        service = null;
        EnrolmentException down = assertThrows(EnrolmentException.class, m1::fetchCrl);
        assertEquals(EnrolmentException.Reason.UNREACHABLE, down.reason());
    }

    @Test
    void noConnectionToTheCaStaysOpenAfterEnrolmentOrACrlFetch() throws Exception {
        serve(0, EnrolmentService.autosign("*"));
        try (CountingRelay relay = new CountingRelay(service.address())) {
            EnrolmentClient m1 = new EnrolmentClient(state.minion("m1"), "m1", "127.0.0.1:52001",
                    new HostPort("127.0.0.1", relay.port())).withBackoff(Duration.ofMillis(100), Duration.ofMillis(500));
            m1.enrol();
            m1.fetchCrl();
            m1.fetchCrl();
            assertEquals(0, relay.awaitOpen(0), "the client closed its connections (no CLOSE_WAIT sockets left)");
            assertTrue(relay.accepted.get() >= 3, "each call connected: " + relay.accepted.get());
        }
    }

    @Test
    void aKeyMadeByOpensslIsUsedAsIs() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(jfunc.certs.service.Openssl.available(), "openssl not installed");
        serve(0, EnrolmentService.autosign("*"));
        Path m = state.minion("m1");
        Files.createDirectories(m);
        jfunc.certs.service.Openssl.run(dir, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", m.resolve("minion.key").toString());
        var creds = client("m1").enrol();
        assertEquals(List.of(creds.identity().certificate()), creds.identity().chain());
        assertTrue(client("m1").isEnrolled());
    }
}
