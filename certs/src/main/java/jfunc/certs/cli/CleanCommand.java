package jfunc.certs.cli;

import java.util.concurrent.Callable;
import jfunc.certs.CaRecord;
import jfunc.certs.CaStore;
import jfunc.common.ExitCodes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "clean",
        footerHeading = "%nExamples:%n",
        footer = {"  jfunc-ca clean web1.example.org", "  jfunc-ca --state-dir /var/lib/jfunc clean web1.example.org"}, mixinStandardHelpOptions = true,
        description = {"Forgets a name (its request, certificate and record) so that it can enrol again, "
                + "with any key. Rejects a pending request.",
                "A certificate that is still valid is revoked first, so forgetting never leaves a usable "
                        + "certificate behind."})
final class CleanCommand implements Callable<Integer> {
    @ParentCommand
    CaCli cli;

    @Parameters(paramLabel = "NAME", description = "the name to forget")
    String name;

    @Override
    public Integer call() throws Exception {
        CaStore.canonicalName(name);
        CaRecord was = cli.store().clean(name);
        if (was.state() == CaRecord.State.SIGNED) {
            cli.out.println("revoked " + was.name() + " (serial " + was.serial() + ") and re-issued the CRL");
        }
        cli.out.println("forgot " + was.name() + " (was " + was.state().wire() + "); it may enrol again");
        return ExitCodes.OK;
    }
}
