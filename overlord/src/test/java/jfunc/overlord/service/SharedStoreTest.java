package jfunc.overlord.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import jfunc.common.StateDir;
import jfunc.overlord.MinionAddress;
import jfunc.overlord.jobs.RealMinions;
import jfunc.overlord.testing.PostgresServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two, then three real jfunc-overlord processes sharing one real PostgreSQL job store, 30 real
 * minions in this JVM. One drill, in steps a user would take: the services split the minions
 * ({@code --status}); a job submitted on A is fanned out by all three and seen from B and C; kill -9 of B in
 * the middle of it and the job still finishes with every result, each minion having run it once
 * (a file per run proves it); the database restarted during a job, and the job finishes; the
 * database down at submission: a clear error, exit 1, nothing recorded.
 */
@Timeout(300)
class SharedStoreTest {
    static final int MINIONS = 30;
    static final String LEASE = "3s";

    @TempDir
    Path dir;

    @Test
    void twoServicesShareTheMinionsAndOneTakesOverWhenTheOtherIsKilled() throws Exception {
        try (PostgresServer db = PostgresServer.start(); RealMinions fleet = new RealMinions(dir.resolve("fleet"))) {
            String url = db.newDatabase();
            List<MinionAddress> all = new ArrayList<>();
            for (int i = 0; i < MINIONS; i++) {
                all.add(fleet.start(String.format("m%02d.example.org", i)));
            }
            StateDir a = fleet.overlordState(dir.resolve("a"), all);
            StateDir b = fleet.overlordState(dir.resolve("b"), all);
            StateDir c = fleet.overlordState(dir.resolve("c"), all);
            Path conf = Files.writeString(dir.resolve("overlord.conf"), "job_store = " + url + "\n"
                    + "job_store_password_file = " + db.passwordFile() + "\nlease_ttl = " + LEASE + "\n"
                    + "metrics_listen = off\nweb_listen = off\n");
            Path runs = Files.createDirectories(dir.resolve("runs"));
            String command = "sleep 6; mktemp -p " + runs;
            Process serviceA = SharedServices.start(a, conf, dir.resolve("a.log"));
            Process serviceB = SharedServices.start(b, conf, dir.resolve("b.log"));
            Process serviceC = null;
            try {
                // both live, the 30 minions split between them
                String status = SharedServices.status(a, conf);
                Map<String, Integer> shares = SharedServices.shares(status);
                assertEquals(2, shares.size(), status);
                assertEquals(MINIONS, shares.values().stream().mapToInt(Integer::intValue).sum(), status);
                assertTrue(shares.values().stream().allMatch(n -> n > 0), status);

                // a third one: the minions split three ways, each moving only from A or B to C
                serviceC = SharedServices.start(c, conf, dir.resolve("c.log"));
                String three = awaitLive(a, conf, 3);
                Map<String, Integer> shares3 = SharedServices.shares(three);
                assertEquals(MINIONS, shares3.values().stream().mapToInt(Integer::intValue).sum(), three);
                assertTrue(shares3.values().stream().allMatch(n -> n > 0), three);
                assertTrue(shares3.get(SharedServices.name(a)) <= shares.get(SharedServices.name(a))
                        && shares3.get(SharedServices.name(b)) <= shares.get(SharedServices.name(b)), status + three);
                int others = MINIONS - shares3.get(SharedServices.name(a));

                // a job submitted on A: A sends its share, B and C send theirs
                SharedServices.Run submitted = SharedServices.jfunc(a, "*", "call", "command", "run", command, "--async");
                assertEquals(0, submitted.code(), submitted.out() + submitted.err());
                String id = submitted.out().strip();
                assertTrue(submitted.err().contains(others + " of them are sent by the other services"), submitted.err());
                SharedServices.awaitAllRunning(b, id, MINIONS); // B's CLI sees the job; every minion accepted it
                SharedServices.awaitAllRunning(c, id, MINIONS); // and C's
                serviceB.destroyForcibly(); // kill -9 in the middle of the job
                assertTrue(serviceB.waitFor(30, TimeUnit.SECONDS));
                long killed = System.nanoTime();

                SharedServices.Run end = SharedServices.jfunc(a, "job", "status", id, "--wait", "--timeout", "120", "--json");
                double seconds = (System.nanoTime() - killed) / 1e9;
                assertEquals(0, end.code(), end.out() + end.err());
                assertEquals(MINIONS + 1, SharedServices.count(end.out(), "\"state\": \"FINISHED\""), end.out());
                assertEquals(MINIONS, runs(runs), "each minion ran the job once, none twice");
                System.err.println("kill -9 of B to the job finished on A: " + seconds + " s (lease " + LEASE + ")");
                String after = SharedServices.status(a, conf);
                Map<String, Integer> left = SharedServices.shares(after);
                assertEquals(java.util.Set.of(SharedServices.name(a), SharedServices.name(c)), left.keySet(), after);
                assertEquals(MINIONS, left.values().stream().mapToInt(Integer::intValue).sum(), after);
                assertTrue(after.contains("expired"), after);

                // the database restarted during a job: the service reconnects and the job finishes
                SharedServices.Run second = SharedServices.jfunc(a, "*", "call", "command", "run", command, "--async");
                assertEquals(0, second.code(), second.out() + second.err());
                String id2 = second.out().strip();
                SharedServices.awaitAllRunning(a, id2, MINIONS);
                db.stop();
                Thread.sleep(3000);
                db.restart();
                SharedServices.Run end2 = SharedServices.jfunc(a, "job", "status", id2, "--wait", "--timeout", "120", "--json");
                assertEquals(0, end2.code(), end2.out() + end2.err());
                assertEquals(MINIONS + 1, SharedServices.count(end2.out(), "\"state\": \"FINISHED\""), end2.out());
                assertEquals(2 * MINIONS, runs(runs), "nothing ran twice across the restart");

                // the database down at submission: a clear error, exit 1, nothing half-recorded
                db.stop();
                SharedServices.Run refused = SharedServices.jfunc(a, "*", "call", "command", "run", command, "--async");
                assertEquals(1, refused.code(), refused.out() + refused.err());
                assertTrue(refused.err().contains("cannot reach the database"), refused.err());
                db.restart();
                SharedServices.Run list = SharedServices.jfunc(a, "job", "list", "--json");
                assertEquals(0, list.code(), list.out() + list.err());
                assertEquals(2, SharedServices.count(list.out(), "\"id\""), list.out());
                Thread.sleep(500);
                assertEquals(2 * MINIONS, runs(runs), "the refused job reached no minion");
            } finally {
                serviceB.destroyForcibly();
                if (serviceC != null) {
                    serviceC.destroy();
                    serviceC.waitFor(30, TimeUnit.SECONDS);
                }
                serviceA.destroy();
                serviceA.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * PostgreSQL 15 on TLS offers one key-exchange group (ssl_ecdh_curve, prime256v1 by default),
     * which jfunc's minion connections do not use: a real service whose store asks for verified
     * TLS must still start, and its minion handshakes must still work.
     */
    @Test
    void aServiceWhoseStoreIsOnTlsStartsAndItsJobsFinish() throws Exception {
        try (PostgresServer db = PostgresServer.startTlsOnly(); RealMinions fleet = new RealMinions(dir.resolve("fleet"))) {
            String url = db.newDatabase() + "?sslmode=verify-full&sslrootcert=" + db.tlsCa();
            List<MinionAddress> all = List.of(fleet.start("t1.example.org"), fleet.start("t2.example.org"));
            StateDir state = fleet.overlordState(dir.resolve("tls"), all);
            Path conf = Files.writeString(dir.resolve("tls.conf"), "job_store = " + url + "\n"
                    + "job_store_password_file = " + db.passwordFile() + "\nmetrics_listen = off\nweb_listen = off\n");
            Process service = SharedServices.start(state, conf, dir.resolve("tls.log"));
            try {
                SharedServices.Run submitted = SharedServices.jfunc(state, "*", "call", "test", "ping", "--async");
                assertEquals(0, submitted.code(), submitted.out() + submitted.err());
                String id = submitted.out().strip();
                SharedServices.Run end = SharedServices.jfunc(state, "job", "status", id, "--wait", "--timeout", "60", "--json");
                assertEquals(0, end.code(), end.out() + end.err());
                assertEquals(all.size() + 1, SharedServices.count(end.out(), "\"state\": \"FINISHED\""), end.out());
            } finally {
                service.destroy();
                service.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    /** The --status table once {@code n} services are live. */
    private static String awaitLive(StateDir via, Path conf, int n) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            String table = SharedServices.status(via, conf);
            if (SharedServices.shares(table).size() == n || System.nanoTime() > end) {
                return table;
            }
            Thread.sleep(300);
        }
    }

    private static int runs(Path runs) throws Exception {
        try (Stream<Path> files = Files.list(runs)) {
            return (int) files.count();
        }
    }
}
