package jfunc.minion.jobs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jfunc.common.Config;
import jfunc.common.StateDir;
import jfunc.common.rpc.RpcClient;
import jfunc.common.testing.TestPki;
import jfunc.minion.MinionModule;
import jfunc.minion.MinionServer;
import jfunc.minion.MinionSettings;
import jfunc.minion.ModuleRegistry;
import org.apache.xmlrpc.XmlRpcException;

/**
 * A real minion (built-in modules, dispatcher with ACL and multicall, mutual TLS on a loopback
 * ephemeral port) with jobs installed the way jfuncd installs them, plus an overlord client.
 */
final class JobsMinion implements AutoCloseable {
    static final String NAME = "m1.example.org";

    final JobsAtStart jobs;
    final MinionServer server;
    final RpcClient client;
    final RpcClient.Endpoint endpoint;
    final Path statusFile;

    JobsMinion(TestPki pki, Path stateDir, Map<String, String> config, List<MinionModule> extra) throws Exception {
        this(pki, stateDir, config, extra, StatusFile::make, JobsAtStart.READY_WAIT);
    }

    /** With the status file made by {@code maker} (a slow open, say), and jobs calls waiting {@code readyWait} for it. */
    JobsMinion(TestPki pki, Path stateDir, Map<String, String> config, List<MinionModule> extra,
               StatusFile.Maker maker, Duration readyWait) throws Exception {
        Map<String, String> values = new HashMap<>();
        values.put("name", NAME);
        values.put("listen", "127.0.0.1:0");
        values.put("acl_file", stateDir.resolve("minion-acl.conf").toString());
        values.putAll(config);
        Files.createDirectories(stateDir);
        Files.writeString(stateDir.resolve("minion-acl.conf"), """
                monitor.example.org = test.ping, jobs.*
                mallory.example.org = jobs.*, async.test.*
                auditor.example.org = jobs.*, jobs:all
                canceller.example.org = jobs.cancel, jobs.status, async.test.*, async.gate.*
                """);
        MinionSettings settings = MinionSettings.from(Config.of(values), null, new StateDir(stateDir));
        ModuleRegistry registry = ModuleRegistry.discover(settings, JobsMinion.class.getClassLoader());
        for (MinionModule m : extra) {
            registry.add(m);
        }
        jobs = Jobs.install(registry, settings, maker, readyWait);
        statusFile = settings.minionDir().resolve("status.db");
        server = MinionServer.start(settings, pki.minion(NAME), pki.trust(), registry);
        client = new RpcClient(pki.context(pki.overlord()), Duration.ofSeconds(5), Duration.ofSeconds(60));
        endpoint = new RpcClient.Endpoint(NAME, "127.0.0.1", server.address().getPort());
    }

    Object call(String method, Object... params) throws XmlRpcException {
        return client.call(endpoint, method, params);
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> record(String method, Object... params) throws XmlRpcException {
        return (Map<String, Object>) call(method, params);
    }

    @Override
    public void close() {
        server.close();
        jobs.close();
    }
}
