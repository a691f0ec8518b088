package jfunc.overlord.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * The words after {@code call} as people type them: {@code MODULE METHOD [ARG...]} or
 * {@code MODULE.METHOD [ARG...]}; for {@code command.run}, every word after the method joined
 * by spaces into one shell command ({@code call command run ls -la /tmp}, as ssh does), or,
 * after {@code --}, the words as argv without a shell ({@code call command run -- ls -la}).
 *
 * @param method  {@code module.method}
 * @param args    the argument words
 * @param argv    the words came after {@code --}
 */
record CallWords(String method, List<String> args, boolean argv) {
    static CallWords parse(List<String> words, boolean dashDash) {
        String first = words.get(0);
        int dot = first.indexOf('.');
        List<String> rest;
        String method;
        if (dot > 0) {
            method = first;
            rest = words.subList(1, words.size());
        } else {
            if (words.size() < 2) {
                String salt = SaltWords.command(first);
                throw new ErrorReporter.UsageException("missing METHOD after MODULE '" + first + "': e.g. call "
                        + first + " METHOD [ARG...], or call " + first + ".METHOD [ARG...]"
                        + (salt == null ? "" : " (did you mean '" + salt + "'?)"));
            }
            method = first + "." + words.get(1);
            rest = words.subList(2, words.size());
        }
        return new CallWords(method, new ArrayList<>(rest), dashDash);
    }

    boolean isCommandRun() {
        return jfunc.overlord.CommandExits.COMMAND_RUN.equals(method);
    }

    /** command.run's first parameter: the joined shell string, or the argv array after '--'. */
    Object command() {
        if (args.isEmpty()) {
            throw new ErrorReporter.UsageException("command.run needs a command: e.g. call command run uptime,"
                    + " or call command run -- ls -la /tmp (argv, no shell)");
        }
        return argv ? List.copyOf(args) : String.join(" ", args);
    }
}
