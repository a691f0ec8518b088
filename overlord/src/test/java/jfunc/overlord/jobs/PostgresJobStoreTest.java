package jfunc.overlord.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import jfunc.common.Config;
import jfunc.common.Config.ConfigException;
import jfunc.overlord.testing.PostgresServer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract on a real PostgreSQL server (a database of its own per test), and what only the
 * shared store has: its schema made and migrated by the service, a database restart survived,
 * and bad settings refused at the service's start with exit 2 and a message naming job_store.
 */
class PostgresJobStoreTest extends JobStoreContract {
    @TempDir
    Path dir;
    private PostgresServer server;
    private String url;

    @BeforeEach
    void freshDatabase() throws Exception {
        server = PostgresServer.shared();
        url = server.newDatabase();
    }

    @Override
    protected JobStore open() {
        return PostgresJobStore.open(PostgresUrl.parse(url), server.password(), 4, Duration.ofSeconds(5));
    }

    @Test
    void theSchemaIsMadeOnceEvenWhenTwoServicesStartTogether() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<JobStore>> both = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                both.add(pool.submit((Callable<JobStore>) this::store));
            }
            JobStore a = both.get(0).get(30, TimeUnit.SECONDS);
            JobStore b = both.get(1).get(30, TimeUnit.SECONDS);
            Job job = newJob("web1");
            a.create(job);
            assertEquals(job.id(), b.get(job.id()).orElseThrow().id(), "both see one store");
        } finally {
            pool.shutdownNow();
        }
        try (Connection c = server.connect(database()); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT version FROM jfunc_schema ORDER BY version")) {
            List<Integer> versions = new ArrayList<>();
            while (rs.next()) {
                versions.add(rs.getInt(1));
            }
            assertEquals(java.util.stream.IntStream.rangeClosed(1, PostgresJobStore.SCHEMA).boxed().toList(), versions,
                    "every script applied once, in order");
        }
    }

    @Test
    void aResultIsNeverUndoneByAnotherProcessesLatePoll() {
        JobStore a = store();
        JobStore b = reopened();
        Job job = newJob("m1");
        a.create(job);
        Instant now = Instant.now();
        a.update(job.id(), List.of(MinionJob.running("m1", "x", now)), true);
        b.update(job.id(), List.of(MinionJob.finished("m1", "x", "done", now)), false);
        a.update(job.id(), List.of(MinionJob.running("m1", "x", now)), false); // a's poll was late
        Job read = a.get(job.id()).orElseThrow();
        assertEquals(JobState.FINISHED, read.state());
        assertEquals("done", read.minions().get(0).result());
    }

    @Test
    void whileTheDatabaseIsDownOperationsFailClearlyAndWorkAgainOnceItIsBack() throws Exception {
        try (PostgresServer own = PostgresServer.start()) {
            String ownUrl = own.newDatabase();
            JobStore store = PostgresJobStore.open(PostgresUrl.parse(ownUrl), own.password(), 2, Duration.ofSeconds(2));
            try {
                Job before = newJob("a");
                store.create(before);
                own.stop();
                JobStoreException down = assertThrows(JobStoreException.class, () -> store.create(newJob("b")));
                assertEquals(JobStoreException.Reason.IO, down.reason());
                assertTrue(down.getMessage().contains(PostgresUrl.parse(ownUrl).toString()), down.getMessage());
                own.restart();
                Job after = newJob("c");
                store.create(after); // the same store object: the pool connects again by itself
                assertEquals(List.of(after.id(), before.id()), idsOf(store.list(null, null, 10)),
                        "the job refused while the database was down was not half-recorded");
            } finally {
                store.close();
            }
        }
    }

    @Test
    void aUrlAskingForVerifiedTlsGetsItAndAServerWithoutTlsIsRefusedClearly() throws Exception {
        try (PostgresServer tls = PostgresServer.startTlsOnly()) {
            String plainUrl = tls.newDatabase();
            // the server takes TLS connections only (hostssl): that this store works proves it uses TLS
            JobStore store = PostgresJobStore.open(PostgresUrl.parse(plainUrl + "?sslmode=verify-full&sslrootcert="
                    + tls.tlsCa()), tls.password(), 2, Duration.ofSeconds(5));
            try {
                Job job = newJob("a");
                store.create(job);
                assertEquals(job.id(), store.get(job.id()).orElseThrow().id());
            } finally {
                store.close();
            }
            JobStoreException plain = assertThrows(JobStoreException.class, () -> PostgresJobStore.open(
                    PostgresUrl.parse(plainUrl + "?sslmode=disable"), tls.password(), 2, Duration.ofSeconds(5)));
            assertTrue(plain.getMessage().contains("no encryption"), plain.getMessage());
        }
        JobStoreException noTls = assertThrows(JobStoreException.class, () -> PostgresJobStore.open(
                PostgresUrl.parse(url + "?sslmode=require"), server.password(), 2, Duration.ofSeconds(5)));
        assertTrue(noTls.getMessage().contains("job store " + url + "?sslmode=require") && noTls.getMessage().contains("SSL"),
                noTls.getMessage());
    }

    @Test
    void aJobBeingSubmittedByALiveServiceOnAnotherHostIsRunningNotIncomplete() throws Exception {
        PostgresJobStore store = (PostgresJobStore) store();
        Job job = newJob("a", "b");
        store.create(job);
        try (Connection c = server.connect(database()); Statement st = c.createStatement()) {
            st.executeUpdate("UPDATE jfunc_jobs SET submitter_host = 'ovl9.example.org' WHERE id = '" + job.id() + "'");
        }
        assertEquals(JobState.INCOMPLETE, store.get(job.id()).orElseThrow().state(),
                "no live service on that host: its fan-out is over, the job is settled");
        store.renew("ovl9.example.org:/var/lib/jfunc", "ovl9.example.org", job.summary().submitter().pid(), Instant.now(),
                Duration.ofMinutes(1));
        assertEquals(JobState.RUNNING, store.get(job.id()).orElseThrow().state(), "that service is still submitting it");
        assertEquals(List.of(job.id()), idsOf(store.list(JobState.RUNNING, null, 10)));
        assertEquals(0, store.purge(Instant.now().plusSeconds(60)), "a live fan-out is never purged");
    }

    @Test
    void aPasswordInTheUrlIsRefusedBeforeAnyConnection() {
        ConfigException e = assertThrows(ConfigException.class, () -> JobStores.choice(config(
                "job_store", "postgresql://jfunc:hunter2@127.0.0.1:5432/jobs")));
        assertTrue(e.getMessage().startsWith("job_store: ") && e.getMessage().contains("job_store_password_file"),
                e.getMessage());
        assertTrue(!e.getMessage().contains("hunter2"), e.getMessage());
        ConfigException other = assertThrows(ConfigException.class, () -> JobStores.choice(config(
                "job_store", "mysql://jfunc@127.0.0.1/jobs")));
        assertTrue(other.getMessage().startsWith("job_store: "), other.getMessage());
    }

    @Test
    void anUnreachableDatabaseStopsTheServiceAtStartNamingTheSetting() throws Exception {
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort(); // nothing listens here once it is closed
        }
        Ran r = service("job_store = postgresql://jfunc@127.0.0.1:" + closed + "/jobs\n"
                + "job_store_password_file = " + server.passwordFile() + "\n");
        assertEquals(2, r.code(), r.out());
        assertTrue(r.out().contains("jfunc-overlord: error: job_store: job store postgresql://jfunc@127.0.0.1:" + closed
                + "/jobs: cannot connect: cannot reach the database"), r.out());
    }

    @Test
    void aWrongPasswordStopsTheServiceAtStartNamingTheSetting() throws Exception {
        Path wrong = Files.writeString(dir.resolve("wrong.password"), "not-the-password\n");
        Ran r = service("job_store = " + url + "\njob_store_password_file = " + wrong + "\n");
        assertEquals(2, r.code(), r.out());
        assertTrue(r.out().contains("jfunc-overlord: error: job_store: job store " + url), r.out());
        assertTrue(r.out().contains("the database refused us") && r.out().contains("password authentication failed"),
                r.out());
        assertTrue(!r.out().contains("not-the-password"), r.out());
    }

    @Test
    void aDatabaseOfANewerSchemaIsRefusedAtStartAndLeftAsItWas() throws Exception {
        store().create(newJob("a")); // schema made
        try (Connection c = server.connect(database()); Statement st = c.createStatement()) {
            st.execute("INSERT INTO jfunc_schema (version, by_jfunc) VALUES (" + (PostgresJobStore.SCHEMA + 1) + ", 'later')");
        }
        Ran r = service("job_store = " + url + "\njob_store_password_file = " + server.passwordFile() + "\n");
        assertEquals(2, r.code(), r.out());
        assertTrue(r.out().contains("jfunc-overlord: error: job_store: job store ") && r.out().contains(
                "has schema version " + (PostgresJobStore.SCHEMA + 1) + ", this jfunc knows up to " + PostgresJobStore.SCHEMA),
                r.out());
        try (Connection c = server.connect(database()); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM jfunc_jobs")) {
            rs.next();
            assertEquals(1, rs.getInt(1), "nothing changed");
        }
    }

    private String database() {
        return url.substring(url.lastIndexOf('/') + 1);
    }

    private static Config config(String key, String value) throws ConfigException {
        return Config.load(null, false, Map.of(key, value), Map.of());
    }

    record Ran(int code, String out) {}

    /** A real jfunc-overlord with {@code conf} as its config file; it must stop by itself. */
    private Ran service(String conf) throws Exception {
        Path file = Files.writeString(dir.resolve("overlord.conf"), "metrics_listen = off\nweb_listen = off\n" + conf);
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                jfunc.overlord.service.ServiceCli.class.getName(), "--config", file.toString(),
                "--state-dir", dir.resolve("state").toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("PGPASSWORD");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("jfunc-overlord did not stop: " + out);
        }
        return new Ran(p.exitValue(), out);
    }
}
