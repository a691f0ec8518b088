package jfunc.overlord.cli;

import picocli.CommandLine.Option;

/** {@code --json}: one JSON object on stdout instead of the table. */
final class OutputOptions {
    @Option(names = "--json", description = "Print one JSON object for scripts instead of the table.")
    boolean json;
}
