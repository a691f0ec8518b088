package jfunc.certs.cli;

import java.util.concurrent.Callable;
import jfunc.certs.CaStore;
import jfunc.common.ExitCodes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "init",
        footerHeading = "%nExamples:%n",
        footer = {"  jfunc-ca init", "  jfunc-ca --state-dir /var/lib/jfunc init"}, mixinStandardHelpOptions = true,
        description = {"Creates the CA (EC P-256 key and self-signed certificate, empty CRL) in STATE/ca and "
                + "the overlord's client key and certificate in STATE/overlord.",
                "Never replaces anything: a complete CA is left as it is (exit 0); a partial one is an error "
                        + "that names the missing files (exit 2)."})
final class InitCommand implements Callable<Integer> {
    @ParentCommand
    CaCli cli;

    @Option(names = "--overlord-name", paramLabel = "NAME", defaultValue = CaStore.DEFAULT_OVERLORD_NAME,
            description = "name in the overlord's certificate (default: ${DEFAULT-VALUE}); no minion may use it, nor"
                    + " 'overlord' or 'jfunc-ca'. Overlord rights come from a mark only init issues, not from the name")
    String overlordName;

    @Override
    public Integer call() throws Exception {
        CaStore.InitResult r = cli.store().init(overlordName);
        if (!r.created()) {
            if (r.overlordReissued()) {
                cli.out.println("a CA already exists in " + r.caDir() + "; its overlord certificate '" + r.overlordName()
                        + "' lacked the overlord mark: re-issued it in " + r.overlordDir()
                        + " (new overlord.key and overlord.crt; the old certificate is revoked)");
                cli.err.println("next: restart jfunc-overlord if it runs, and copy " + r.overlordDir()
                        + " to every other overlord host");
            } else {
                cli.out.println("a CA already exists in " + r.caDir() + "; nothing was changed");
            }
            printFingerprint(r);
            return ExitCodes.OK;
        }
        cli.out.println("created the CA in " + r.caDir() + " (ca.key 0600, ca.crt, crl.pem valid until "
                + r.crlNextUpdate() + ")");
        cli.out.println("created the overlord identity '" + r.overlordName() + "' in " + r.overlordDir()
                + " (overlord.key 0600, overlord.crt, ca.crt)");
        printFingerprint(r);
        cli.err.println("next: jfunc-ca serve (enrolment on port 51235), then start jfuncd --ca THIS_HOST:51235 "
                + "on every host");
        return ExitCodes.OK;
    }

    private void printFingerprint(CaStore.InitResult r) {
        cli.out.println("CA fingerprint (SHA-256): " + r.caFingerprint());
        cli.out.println("pin it on every minion (etc/minion.conf): ca_fingerprint = SHA256:" + r.caFingerprint());
    }
}
