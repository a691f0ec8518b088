package jfunc.overlord.service;

import java.net.InetSocketAddress;
import java.time.Duration;
import jfunc.common.StateDir;
import jfunc.overlord.FanOut;

/** Starts a service for tests of other packages (the dashboard's): metrics off, dashboard on an ephemeral loopback port. */
public final class ServiceTesting {
    private ServiceTesting() {}

    public static OverlordService startWithDashboard(StateDir state, Duration heartbeat) throws Exception {
        return OverlordService.start(state, new ServiceSettings(new FanOut.Limits(16, Duration.ofSeconds(10)),
                Duration.ofDays(30), null, Duration.ofSeconds(1), Duration.ofMinutes(2), heartbeat,
                new InetSocketAddress("127.0.0.1", 0)));
    }
}
