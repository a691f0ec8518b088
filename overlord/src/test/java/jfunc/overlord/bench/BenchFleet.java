package jfunc.overlord.bench;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jfunc.common.Config;
import jfunc.common.StateDir;
import jfunc.common.testing.TestPki;
import jfunc.common.tls.Identity;
import jfunc.minion.Minion;
import jfunc.minion.MinionSettings;
import jfunc.minion.ModuleRegistry;
import jfunc.overlord.MinionAddress;

/**
 * N real minions ({@link Minion}, what jfuncd runs, with the built-in modules and the job
 * service) in this JVM on 127.0.0.1, each with its own certificate from one test CA and one
 * worker thread, so that a thousand fit in one process.
 */
final class BenchFleet implements AutoCloseable {
    final TestPki pki = new TestPki("bench-ca");
    final Identity overlord = pki.overlord();
    final List<MinionAddress> minions = new ArrayList<>();
    private final List<Minion> servers = new ArrayList<>();
    private final StateDir state;
    private ModuleRegistry registry;

    BenchFleet(StateDir state) {
        this.state = state;
    }

    void grow(int n) throws Exception {
        while (minions.size() < n) {
            String name = String.format("m%04d.bench", minions.size() + 1);
            Map<String, String> values = new HashMap<>();
            values.put("name", name);
            values.put("listen", "127.0.0.1:0");
            values.put("worker_threads", "1");
            MinionSettings settings = MinionSettings.from(Config.of(values), null, state);
            if (registry == null) {
                registry = ModuleRegistry.discover(settings, BenchFleet.class.getClassLoader());
            }
            Minion s = Minion.start(settings, pki.minion(name), pki.trust(), registry);
            s.awaitJobs(java.time.Duration.ofSeconds(60)); // one status file opening at a time, not a thousand at once
            servers.add(s);
            InetSocketAddress a = s.address();
            minions.add(new MinionAddress(name, "127.0.0.1", a.getPort()));
        }
    }

    @Override
    public void close() {
        servers.forEach(Minion::close);
    }
}
