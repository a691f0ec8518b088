package jfunc.overlord.cli;

import picocli.CommandLine.Option;

/** {@code --sort}: for commands whose rows otherwise appear as minions answer. */
final class ResultOptions {
    @Option(names = "--sort", description = "Print the table at the end in target order, instead of each row"
            + " as its minion answers.")
    boolean sort;
}
