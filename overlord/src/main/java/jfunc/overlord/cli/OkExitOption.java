package jfunc.overlord.cli;

import jfunc.overlord.CommandExits;
import picocli.CommandLine.Option;

/** {@code --ok-exit CODES}: the command.run exit codes that count as success (default 0). */
final class OkExitOption {
    @Option(names = "--ok-exit", paramLabel = "CODES",
            description = "command.run exit codes that count as success, e.g. 0,1 or 0,2-4 (default 0);"
                    + " any other exit code is a failed minion.")
    String okExit;

    CommandExits exits() {
        if (okExit == null) {
            return CommandExits.ZERO;
        }
        try {
            return CommandExits.parse(okExit);
        } catch (IllegalArgumentException e) {
            throw new ErrorReporter.UsageException("--ok-exit: " + e.getMessage());
        }
    }
}
