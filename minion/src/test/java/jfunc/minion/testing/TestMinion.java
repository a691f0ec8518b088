package jfunc.minion.testing;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jfunc.common.Config;
import jfunc.common.StateDir;
import jfunc.common.rpc.RpcClient;
import jfunc.common.testing.TestPki;
import jfunc.common.tls.Identity;
import jfunc.minion.Minion;
import jfunc.minion.MinionModule;
import jfunc.minion.MinionSettings;
import jfunc.minion.ModuleRegistry;
import jfunc.minion.jobs.JobService;
import org.apache.xmlrpc.XmlRpcException;

/**
 * The one way tests start a minion in-process: a real {@link Minion} (the built-in modules found
 * with ServiceLoader as jfuncd finds them, plus any extra ones, the job service and its status
 * file, the dispatcher with ACL and multicall) serving mutual TLS on a loopback ephemeral port,
 * and an overlord client. State under {@code STATE/minion/NAME}; the ACL file is
 * {@code STATE/acl/NAME.conf} (the overlord only, unless {@link Builder#acl} says more).
 * Tests of the real process use {@code jfunc.minion.jobs.JfuncdProcess}.
 */
public final class TestMinion implements AutoCloseable {
    public static final String NAME = "m1.example.org";

    /** Makes the job service on the registry (tests slow the status file's open down). */
    @FunctionalInterface
    public interface JobsMaker {
        JobService open(ModuleRegistry registry, MinionSettings settings) throws Config.ConfigException;
    }

    public final TestPki pki;
    public final Identity identity;
    public final Identity overlordIdentity;
    public final Minion minion;
    /** The job service ({@code minion.jobs()}). */
    public final JobService jobs;
    /** An overlord client (the overlord's certificate; reply timeout 60 s). */
    public final RpcClient overlord;
    public final RpcClient.Endpoint endpoint;
    public final Path statusFile;

    private TestMinion(TestPki pki, Identity identity, Minion minion) {
        this.pki = pki;
        this.identity = identity;
        this.overlordIdentity = pki.overlord();
        this.minion = minion;
        this.jobs = minion.jobs();
        this.overlord = client(overlordIdentity);
        this.endpoint = new RpcClient.Endpoint(minion.settings().name(), "127.0.0.1", minion.address().getPort());
        this.statusFile = minion.settings().minionDir().resolve("status.db");
    }

    /** A minion named {@link #NAME} with state under {@code stateDir}, its own test PKI, the overlord-only ACL. */
    public static TestMinion start(Path stateDir) throws Exception {
        return in(stateDir).start();
    }

    /** As {@link #start(Path)}; {@code config} adds or overrides settings, {@code extra} adds modules. */
    public static TestMinion start(Path stateDir, Map<String, String> config, List<MinionModule> extra) throws Exception {
        return in(stateDir).config(config).modules(extra).start();
    }

    public static Builder in(Path stateDir) {
        return new Builder(stateDir);
    }

    /** What to start. */
    public static final class Builder {
        private final Path stateDir;
        private TestPki pki;
        private String name = NAME;
        private final Map<String, String> config = new HashMap<>();
        private final List<MinionModule> modules = new ArrayList<>();
        private String acl = "# the overlord only\n";
        private JobsMaker jobs = JobService::open;

        private Builder(Path stateDir) {
            this.stateDir = stateDir;
        }

        /** The PKI to take the minion's certificate from (several minions of one fleet share one). */
        public Builder pki(TestPki value) {
            this.pki = value;
            return this;
        }

        public Builder name(String value) {
            this.name = value;
            return this;
        }

        /** Settings as in minion.conf (acl_file, copyfile_roots, jobs.max_concurrent.MODULE, ...). */
        public Builder config(Map<String, String> values) {
            this.config.putAll(values);
            return this;
        }

        public Builder modules(List<MinionModule> extra) {
            this.modules.addAll(extra);
            return this;
        }

        /** The ACL file's text (written to STATE/acl/NAME.conf), unless the config names an acl_file. */
        public Builder acl(String text) {
            this.acl = text;
            return this;
        }

        public Builder jobs(JobsMaker maker) {
            this.jobs = maker;
            return this;
        }

        public TestMinion start() throws Exception {
            Map<String, String> values = new HashMap<>();
            values.put("name", name);
            values.put("listen", "127.0.0.1:0");
            if (!config.containsKey("acl_file")) {
                Path file = Files.createDirectories(stateDir.resolve("acl")).resolve(name + ".conf");
                Files.writeString(file, acl);
                values.put("acl_file", file.toString());
            }
            values.putAll(config);
            Files.createDirectories(stateDir);
            MinionSettings settings = MinionSettings.from(Config.of(values), null, new StateDir(stateDir));
            TestPki which = pki != null ? pki : new TestPki();
            Identity identity = which.minion(name);
            ModuleRegistry registry = ModuleRegistry.discover(settings, TestMinion.class.getClassLoader());
            for (MinionModule m : modules) {
                registry.add(m);
            }
            Minion minion = Minion.start(settings, identity, which.trust(), registry, jobs.open(registry, settings));
            return new TestMinion(which, identity, minion);
        }
    }

    /** A client holding {@code who}'s certificate (connect 5 s, reply 60 s). */
    public RpcClient client(Identity who) {
        return new RpcClient(pki.context(who), Duration.ofSeconds(5), Duration.ofSeconds(60));
    }

    /** Calls as the overlord. */
    public Object call(String method, Object... params) throws XmlRpcException {
        return overlord.call(endpoint, method, params);
    }

    /** Calls as the overlord, for a struct answer (a job record). */
    @SuppressWarnings("unchecked")
    public Map<String, Object> record(String method, Object... params) throws XmlRpcException {
        return (Map<String, Object>) call(method, params);
    }

    public InetSocketAddress address() {
        return minion.address();
    }

    public String name() {
        return minion.settings().name();
    }

    /** Stops the minion at once (running jobs become LOST on its next start) and closes the client. */
    @Override
    public void close() {
        minion.close();
        try {
            overlord.close();
        } catch (RuntimeException e) {
            // best effort
        }
    }
}
