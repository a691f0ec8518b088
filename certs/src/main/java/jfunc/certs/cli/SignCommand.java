package jfunc.certs.cli;

import java.util.List;
import java.util.concurrent.Callable;
import jfunc.certs.CaRecord;
import jfunc.certs.CaStore;
import jfunc.common.ExitCodes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "sign",
        footerHeading = "%nExamples:%n",
        footer = {"  jfunc-ca sign web1.example.org web2.example.org", "  jfunc-ca sign --all"}, mixinStandardHelpOptions = true,
        description = {"Signs pending requests: the minion's next certs.fetch gets its certificate.",
                "All or nothing: when one NAME is not pending, nothing is signed (exit 1)."})
final class SignCommand implements Callable<Integer> {
    @ParentCommand
    CaCli cli;

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "NAME", arity = "0..*", description = "names to sign (see: jfunc-ca list)")
    List<String> names = List.of();

    @Option(names = "--all", description = "sign every pending request")
    boolean all;

    @Override
    public Integer call() throws Exception {
        if (all == !names.isEmpty()) {
            throw new ParameterException(spec.commandLine(), all ? "give NAME... or --all, not both"
                    : "nothing to sign: give NAME... or --all");
        }
        names.forEach(CaStore::canonicalName);
        CaStore store = cli.store();
        List<CaRecord> signed = all ? store.signAll() : store.sign(names);
        if (signed.isEmpty()) {
            cli.err.println("nothing is pending");
        }
        for (CaRecord r : signed) {
            var cert = store.certificate(r.name());
            cli.out.println("signed " + r.name() + " (serial " + r.serial() + ", valid until "
                    + cert.getNotAfter().toInstant() + ")");
        }
        return ExitCodes.OK;
    }
}
