package jfunc.certs.cli;

import java.util.concurrent.Callable;
import jfunc.certs.CaRecord;
import jfunc.certs.CaStore;
import jfunc.common.ExitCodes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "revoke",
        footerHeading = "%nExamples:%n",
        footer = {"  jfunc-ca revoke web1.example.org"}, mixinStandardHelpOptions = true,
        description = {"Revokes the certificate of a signed name and re-issues STATE/ca/crl.pem at once "
                + "(a running serve hands the new CRL out on the next request).",
                "The name stays revoked, and cannot enrol again, until: jfunc-ca clean NAME."})
final class RevokeCommand implements Callable<Integer> {
    @ParentCommand
    CaCli cli;

    @Parameters(paramLabel = "NAME", description = "the name to revoke")
    String name;

    @Override
    public Integer call() throws Exception {
        CaStore.canonicalName(name);
        CaStore store = cli.store();
        CaRecord r = store.revoke(name);
        cli.out.println("revoked " + r.name() + " (serial " + r.serial() + "); re-issued " + store.dir().resolve("crl.pem"));
        return ExitCodes.OK;
    }
}
