package jfunc.overlord.cli;

import picocli.CommandLine.Option;

/** {@code -h/--help} for each command (no {@code --version}: the CLI has none). */
final class HelpOption {
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help.")
    boolean help;
}
