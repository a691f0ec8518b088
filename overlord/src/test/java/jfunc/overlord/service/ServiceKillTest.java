package jfunc.overlord.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import jfunc.common.StateDir;
import jfunc.overlord.MinionAddress;
import jfunc.overlord.cli.JfuncCli;
import jfunc.overlord.jobs.RealMinions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a real jfunc-overlord process in the middle of a job: the waiting CLI says the
 * service went away and how to re-attach; a new service resumes following the job (minion jobs
 * are durable) and it finishes with every result.
 */
@Timeout(240)
class ServiceKillTest {
    static final int MINIONS = 100;

    @TempDir
    Path dir;

    record Run(int code, String out, String err) {}

    static Run jfunc(StateDir state, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of("--state-dir", state.root().toString()));
        all.addAll(List.of(args));
        int code = JfuncCli.run(new PrintWriter(out), new PrintWriter(err), all.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    static Process service(StateDir state, Path log) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder b = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "jfunc.overlord.service.ServiceCli", "--state-dir", state.root().toString())
                .directory(log.getParent().toFile())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        b.environment().put("JFUNC_METRICS_LISTEN", "127.0.0.1:0");
        Process p = b.start();
        Path socket = ServiceClient.socket(state);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < end) {
            if (Files.exists(socket) && jfunc(state, "job", "list").code == 0
                    && !jfunc(state, "job", "list").err.contains("note:")) {
                return p;
            }
            assertTrue(p.isAlive(), "the service died: " + Files.readString(log));
            Thread.sleep(200);
        }
        throw new AssertionError("the service did not come up: " + Files.readString(log));
    }

    @Test
    void killMinus9MidJobThenRestartFinishesItWithEveryResult() throws Exception {
        try (RealMinions fleet = new RealMinions(dir.resolve("fleet"))) {
            List<MinionAddress> all = new ArrayList<>();
            for (int i = 0; i < MINIONS; i++) {
                all.add(fleet.start(String.format("m%03d.example.org", i)));
            }
            StateDir state = fleet.overlordState(dir.resolve("state"), all);
            Path log = dir.resolve("service.log");
            Process first = service(state, log);
            try {
                Run async = jfunc(state, "*", "call", "test", "sleep", "8", "--async");
                assertEquals(0, async.code, async.out + async.err);
                String id = async.out.strip();
                CompletableFuture<Run> waiting = CompletableFuture.supplyAsync(
                        () -> jfunc(state, "job", "status", id, "--wait", "--timeout", "120"));
                Thread.sleep(1500);
                first.destroyForcibly(); // SIGKILL
                assertTrue(first.waitFor(30, TimeUnit.SECONDS));
                Run gone = waiting.get(60, TimeUnit.SECONDS);
                assertEquals(1, gone.code, gone.out + gone.err);
                assertTrue(gone.err.contains("the overlord service went away"), gone.err);
                assertTrue(gone.err.contains("re-attach with: jfunc job status " + id + " --wait"), gone.err);

                Process second = service(state, log);
                try {
                    Run end = jfunc(state, "job", "status", id, "--wait", "--timeout", "120", "--json");
                    assertEquals(0, end.code, end.out + end.err);
                    assertTrue(end.out.contains("\"FINISHED\""), end.out);
                    assertEquals(MINIONS + 1, end.out.split("\"state\": \"FINISHED\"", -1).length - 1, end.out);
                } finally {
                    second.destroy();
                    assertTrue(second.waitFor(30, TimeUnit.SECONDS), "SIGTERM stops the service");
                }
                assertTrue(!Files.exists(ServiceClient.socket(state)), "a stopped service removes its socket");
            } finally {
                first.destroyForcibly();
            }
        }
    }
}
