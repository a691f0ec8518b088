package jfunc.overlord.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import jfunc.common.StateDir;
import jfunc.overlord.FanOut;
import jfunc.overlord.MethodCall;
import jfunc.overlord.MinionAddress;
import jfunc.overlord.cli.JfuncCli;
import jfunc.overlord.jobs.Job;
import jfunc.overlord.jobs.JobState;
import jfunc.overlord.jobs.RealMinions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Ganeti masterd lesson: clients that wait on a job, and clients that connect and send
 * nothing, must not keep the service from answering others.
 */
@Timeout(180)
class ServiceLoadTest {
    @TempDir
    Path dir;

    @Test
    void a100WaitingClientsAnd500IdleConnectionsDoNotHoldUpAPing() throws Exception {
        try (RealMinions fleet = new RealMinions(dir.resolve("fleet"))) {
            List<MinionAddress> all = List.of(fleet.start("a.example.org"), fleet.start("b.example.org"));
            StateDir state = fleet.overlordState(dir.resolve("state"), all);
            ExecutorService waiters = Executors.newFixedThreadPool(100);
            List<SocketChannel> idle = new ArrayList<>();
            try (OverlordService service = OverlordService.start(state, ServiceTest.settings())) {
                String id;
                try (ServiceClient c = ServiceClient.connect(state, FanOut.Limits.defaults())) {
                    id = c.submit(c.select("*"), MethodCall.of("test.sleep", 15), null, null).summary().id();
                }
                List<Future<Job>> waiting = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    waiting.add(waiters.submit(() -> {
                        try (ServiceClient c = ServiceClient.connect(state, FanOut.Limits.defaults())) {
                            return c.await(id, Duration.ofSeconds(60), m -> {});
                        }
                    }));
                }
                for (int i = 0; i < 500; i++) {
                    idle.add(SocketChannel.open(UnixDomainSocketAddress.of(service.socket())));
                }
                Thread.sleep(1000); // the waiters are all parked on the service by now
                StringWriter out = new StringWriter();
                StringWriter err = new StringWriter();
                int code = JfuncCli.run(new PrintWriter(out), new PrintWriter(err), "--state-dir", state.root().toString(),
                        "*", "ping");
                assertEquals(0, code, out + "" + err);
                assertTrue(waiting.stream().noneMatch(Future::isDone), "the ping was answered while every client still waits");
                for (Future<Job> f : waiting) {
                    assertEquals(JobState.FINISHED, f.get().state());
                }
            } finally {
                waiters.shutdownNow();
                for (SocketChannel c : idle) {
                    c.close();
                }
            }
        }
    }
}
