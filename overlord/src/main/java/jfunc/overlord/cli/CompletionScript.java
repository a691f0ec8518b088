package jfunc.overlord.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code jfunc generate-completion}: a bash (and zsh, through bashcompinit) completion script.
 * On each TAB it asks {@code jfunc __complete} (see {@link Completion}) which words fit, so
 * minion names, groups, methods and job ids are those of the state dir on the command line.
 */
@Command(name = "generate-completion", header = "Print a bash/zsh completion script for jfunc.",
        synopsisHeading = "%nUsage:%n", customSynopsis = "  jfunc generate-completion",
        description = {"", "Completes minion names and @groups where the TARGET goes, then the commands, the",
            "modules and methods after call (from the running jfunc-overlord, which keeps them; else",
            "the built-in modules), job ids after job status, files for push, options after '-'.",
            "It reads the --state-dir on the command line, else $JFUNC_STATE_DIR."},
        footerHeading = "%nExamples:%n",
        footer = {"  source <(jfunc generate-completion)                     (this shell)",
            "  jfunc generate-completion > /etc/bash_completion.d/jfunc   (every new shell)"},
        usageHelpWidth = 90)
final class CompletionScript implements Callable<Integer> {
    static final String SCRIPT = """
            # jfunc completion for bash and zsh: source <(jfunc generate-completion)
            if [ -n "${ZSH_VERSION:-}" ]; then autoload -U +X bashcompinit && bashcompinit; fi
            _jfunc_complete() {
              local IFS=$'\\n' cur=${COMP_WORDS[COMP_CWORD]} words
              words=$(JFUNC_CDS_DUMP=no "${COMP_WORDS[0]}" __complete "$COMP_CWORD" "${COMP_WORDS[@]:1}" 2>/dev/null) || return 0
              case "$words" in
                __files__) COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null ;;
                __dirs__) COMPREPLY=($(compgen -d -- "$cur")); compopt -o filenames 2>/dev/null ;;
                *) COMPREPLY=($(compgen -W "$words" -- "$cur")) ;;
              esac
              return 0
            }
            complete -F _jfunc_complete jfunc
            """;

    @Mixin
    HelpOption help;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getOut().print(SCRIPT);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
