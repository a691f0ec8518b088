package jfunc.overlord.cli;

import java.io.PrintWriter;
import jfunc.common.Config.ConfigException;
import jfunc.common.ExitCodes;
import jfunc.overlord.NoMatchException;
import jfunc.overlord.TargetException;
import picocli.CommandLine;

/**
 * Turns every failure into one {@code error:} line on stderr and an exit code: usage and
 * configuration problems 2, nothing matched 3, anything else 1. Stack traces only with
 * {@code --verbose}.
 */
final class ErrorReporter implements CommandLine.IExecutionExceptionHandler, CommandLine.IParameterExceptionHandler {
    private final JfuncCli root;

    ErrorReporter(JfuncCli root) {
        this.root = root;
    }

    static int exitCode(Throwable t) {
        if (t instanceof jfunc.overlord.jobs.JobStoreException j) {
            // busy or I/O: try again later (1); corrupted or newer store: fix the setup (2)
            return j.reason() == jfunc.overlord.jobs.JobStoreException.Reason.BUSY
                    || j.reason() == jfunc.overlord.jobs.JobStoreException.Reason.IO ? ExitCodes.FAILED : ExitCodes.USAGE;
        }
        if (t instanceof NoMatchException) {
            return ExitCodes.NO_MATCH;
        }
        if (t instanceof ConfigException || t instanceof TargetException || t instanceof CommandLine.ParameterException
                || t instanceof UsageException) {
            return ExitCodes.USAGE;
        }
        return ExitCodes.FAILED;
    }

    @Override
    public int handleExecutionException(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        String msg = e.getMessage();
        if (msg == null || msg.isBlank() || (exitCode(e) == ExitCodes.FAILED && !(e instanceof jfunc.overlord.jobs.JobStoreException))) {
            msg = msg == null || msg.isBlank() ? e.getClass().getName() : e.getClass().getSimpleName() + ": " + msg;
        }
        err.println("error: " + msg);
        if (root.verbose) {
            e.printStackTrace(err);
        }
        err.flush();
        return exitCode(e);
    }

    @Override
    public int handleParseException(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println("error: " + e.getMessage());
        CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
        String name = cmd.getCommandSpec().qualifiedName();
        err.println("See '" + name + " --help' for usage.");
        if (root.verbose) {
            e.printStackTrace(err);
        }
        err.flush();
        return ExitCodes.USAGE;
    }

    /** A usage error found after parsing (bad option value combination, bad method name). */
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }
}
