package jfunc.overlord.cli;

import picocli.CommandLine.Option;

/** {@code -h/--help} for each command ({@code --version} is on the top-level command). */
final class HelpOption {
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help.")
    boolean help;
}
