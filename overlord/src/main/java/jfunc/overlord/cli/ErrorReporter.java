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
        if (t instanceof jfunc.overlord.OverlordApi.StoreUnavailable s) {
            return s.retry() ? ExitCodes.FAILED : ExitCodes.USAGE;
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
        if (msg == null || msg.isBlank() || (exitCode(e) == ExitCodes.FAILED && !(e instanceof jfunc.overlord.jobs.JobStoreException)
                && !(e instanceof jfunc.overlord.OverlordApi.ServiceGone) && !(e instanceof jfunc.overlord.OverlordApi.StoreUnavailable))) {
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
        String salt = saltSuggestion(e, args);
        if (salt != null) {
            err.println("error: " + salt);
        } else {
            err.println("error: " + e.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
        }
        String name = cmd.getCommandSpec().qualifiedName();
        err.println("See '" + name + " --help' for usage.");
        if (root.verbose) {
            e.printStackTrace(err);
        }
        err.flush();
        return ExitCodes.USAGE;
    }

    /**
     * For a word in the command's place that Salt users type ({@code cmd.run}, {@code test.ping},
     * or any {@code module.method}): what to type instead, with their own words; else null.
     */
    static String saltSuggestion(CommandLine.ParameterException e, String[] args) {
        if (!(e instanceof CommandLine.UnmatchedArgumentException u) || u.getUnmatched().isEmpty()
                || e.getCommandLine().getParent() != null) {
            return null;
        }
        String word = u.getUnmatched().get(0);
        String instead = SaltWords.command(word);
        if (instead == null) {
            int dot = word.indexOf('.');
            if (dot <= 0 || dot == word.length() - 1 || !word.matches("[A-Za-z_][A-Za-z0-9_.]*")) {
                return null;
            }
            instead = "call " + word.substring(0, dot) + " " + word.substring(dot + 1);
        }
        java.util.List<String> all = java.util.Arrays.asList(args);
        int at = all.indexOf(word);
        StringBuilder example = new StringBuilder("jfunc");
        for (int i = 0; i < all.size(); i++) {
            String a = i == at ? instead : all.get(i);
            example.append(' ').append(i != at && (a.isEmpty() || !a.matches("[A-Za-z0-9_.,:/=@%+-]+")) ? "'" + a + "'" : a);
        }
        return "'" + word + "' is not a jfunc command; did you mean '" + instead + "'? e.g. " + example;
    }

    /** A usage error found after parsing (bad option value combination, bad method name). */
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }
}
