package jfunc.minion;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jfunc.common.Config;
import jfunc.common.StateDir;
import jfunc.common.rpc.RpcClient;
import jfunc.common.testing.TestPki;
import jfunc.common.tls.Identity;
import org.apache.xmlrpc.XmlRpcException;

/**
 * A real minion on a loopback ephemeral port with the built-in modules (ServiceLoader), a test
 * PKI and an overlord client over mutual TLS. Shared by the minion tests.
 */
public final class MinionFixture implements AutoCloseable {
    public static final String NAME = "m1.example.org";

    public final TestPki pki;
    public final Identity identity;
    public final Identity overlordIdentity;
    public final MinionServer server;
    public final RpcClient overlord;
    public final RpcClient.Endpoint endpoint;

    private MinionFixture(TestPki pki, Identity identity, Identity overlordIdentity, MinionServer server) {
        this.pki = pki;
        this.identity = identity;
        this.overlordIdentity = overlordIdentity;
        this.server = server;
        this.overlord = client(overlordIdentity);
        this.endpoint = new RpcClient.Endpoint(NAME, "127.0.0.1", server.address().getPort());
    }

    /** Starts a minion; {@code config} adds or overrides settings (acl_file, copyfile_roots, ...). */
    public static MinionFixture start(Path stateDir, Map<String, String> config, List<MinionModule> extra) throws Exception {
        Map<String, String> values = new HashMap<>();
        values.put("name", NAME);
        values.put("listen", "127.0.0.1:0");
        values.put("acl_file", stateDir.resolve("no-acl.conf").toString());
        values.putAll(config);
        MinionSettings settings = MinionSettings.from(Config.of(values), null, new StateDir(stateDir));
        TestPki pki = new TestPki();
        Identity identity = pki.minion(NAME);
        ModuleRegistry registry = ModuleRegistry.discover(settings, MinionFixture.class.getClassLoader());
        for (MinionModule m : extra) {
            registry.add(m);
        }
        if (!values.containsKey("acl_file_required")) {
            java.nio.file.Files.createDirectories(stateDir);
            if (!java.nio.file.Files.exists(settings.aclFile())) {
                java.nio.file.Files.writeString(settings.aclFile(), "# empty\n");
            }
        }
        MinionServer server = MinionServer.start(settings, identity, pki.trust(), registry);
        return new MinionFixture(pki, identity, pki.overlord(), server);
    }

    public static MinionFixture start(Path stateDir) throws Exception {
        return start(stateDir, Map.of(), List.of());
    }

    public RpcClient client(Identity who) {
        return new RpcClient(pki.context(who), Duration.ofSeconds(5), Duration.ofSeconds(30));
    }

    /** Calls as the overlord. */
    public Object call(String method, Object... params) throws XmlRpcException {
        return overlord.call(endpoint, method, params);
    }

    @Override
    public void close() {
        server.close();
    }
}
