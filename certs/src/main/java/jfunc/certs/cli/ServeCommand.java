package jfunc.certs.cli;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Predicate;
import jfunc.certs.CaSettings;
import jfunc.certs.CaStore;
import jfunc.certs.service.AutosignWarnings;
import jfunc.certs.service.EnrolmentService;
import jfunc.common.Config;
import jfunc.common.Config.ConfigException;
import jfunc.common.ExitCodes;
import jfunc.common.HostPort;
import jfunc.common.InstallDir;
import jfunc.common.tls.Certs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "serve",
        footerHeading = "%nExamples:%n",
        footer = {"  jfunc-ca serve", "  jfunc-ca serve --listen 0.0.0.0:51235 --autosign '*.lab.example.org'"}, mixinStandardHelpOptions = true,
        description = {"Runs the enrolment service until stopped (SIGTERM or Ctrl-C): certs.submit_csr and "
                + "certs.fetch over TLS 1.3, no client certificate needed.",
                "Requests wait in STATE/ca/pending until `jfunc-ca sign`, unless --autosign matches the name. "
                        + "Use autosign only where every host that can reach the port may become a minion.",
                "Config keys: ca.listen, ca.autosign (flags win over $JFUNC_CA_LISTEN, $JFUNC_CA_AUTOSIGN, "
                        + "which win over the file)."})
final class ServeCommand implements Callable<Integer> {
    @ParentCommand
    CaCli cli;

    @Option(names = "--listen", paramLabel = "HOST:PORT",
            description = "address to listen on (default: 0.0.0.0:" + EnrolmentService.DEFAULT_PORT + ")")
    String listen;

    @Option(names = "--autosign", paramLabel = "GLOB",
            description = "sign names matching GLOB at once (several: 'a*;b*'); default: none. At most "
                    + "ca.autosign_max_per_hour (default 100) per hour and ca.autosign_max_names (1000) in all; "
                    + "beyond, requests wait for `jfunc-ca sign`")
    String autosign;

    @Option(names = "--acl-file", paramLabel = "FILE",
            description = "a minion ACL to check autosign against (repeatable; default: etc/minion-acl.conf of "
                    + "this installation and /etc/jfunc/minion-acl.conf, when they exist): serve warns when an "
                    + "autosign glob overlaps a name glob there")
    List<Path> aclFiles;

    @Override
    public Integer call() throws Exception {
        Map<String, String> flags = new HashMap<>();
        flags.put("ca.listen", listen);
        flags.put("ca.autosign", autosign);
        Config config = cli.config(flags);
        InetSocketAddress address;
        Predicate<String> rule;
        String listenText = config.get("ca.listen", "0.0.0.0:" + EnrolmentService.DEFAULT_PORT);
        String autosignText = config.get("ca.autosign", "");
        try {
            address = HostPort.parseListen(listenText, EnrolmentService.DEFAULT_PORT);
            rule = EnrolmentService.autosign(autosignText);
        } catch (IllegalArgumentException e) {
            throw new ConfigException((listen != null || autosign != null ? "" : "config: ") + e.getMessage());
        }
        CaStore store = new CaStore(cli.state(), CaSettings.from(config));
        List<Path> acls = aclFiles != null ? aclFiles : InstallDir.defaults("minion-acl.conf");
        for (String w : AutosignWarnings.check(autosignText, address, acls)) {
            cli.err.println("jfunc-ca: warning: " + w);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        try (EnrolmentService service = EnrolmentService.start(store, address, rule)) {
            InetSocketAddress bound = service.address();
            cli.err.println("jfunc-ca: enrolment service on " + new HostPort(bound.getAddress().getHostAddress(),
                    bound.getPort()) + " (autosign: "
                    + (autosignText.isBlank() ? "off" : autosignText) + "); CA fingerprint (SHA-256) "
                    + Certs.fingerprint(store.caCertificate()));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                service.close();
                stopped.countDown();
            }, "jfunc-ca-stop"));
            stopped.await();
        }
        return ExitCodes.OK;
    }
}
