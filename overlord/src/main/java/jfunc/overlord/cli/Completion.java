package jfunc.overlord.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import jfunc.common.StateDir;
import jfunc.common.job.JobProtocol;
import jfunc.overlord.CallResult;
import jfunc.overlord.FanOut;
import jfunc.overlord.Inventory;
import jfunc.overlord.MethodCall;
import jfunc.overlord.MinionResult;
import jfunc.overlord.OverlordApi;
import jfunc.overlord.Selection;
import jfunc.overlord.jobs.JobSummary;
import jfunc.overlord.service.ServiceClient;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine;

/**
 * Shell completion: {@code jfunc __complete INDEX WORD...} (the script of
 * {@code jfunc generate-completion} runs it on each TAB) prints the words that fit at word
 * INDEX (1 = the first after {@code jfunc}), one a line, or {@code __files__} / {@code __dirs__}
 * when the shell should complete paths. Where the TARGET goes it offers minion names and
 * {@code @groups} from the inventory, never a command ({@code job} only once its first letter is
 * typed); after a target the commands; after {@code call} modules and {@code MODULE.METHOD}, then
 * the module's methods; after {@code job status} job ids. Modules and methods come from one
 * minion of the target through the running service, which keeps the answer (the same cache as
 * the method check); with no service, from the built-in modules' list, so that a TAB never makes
 * TLS calls of its own. Nothing here ever fails loudly: a problem means fewer words.
 */
final class Completion {
    static final String COMMAND = "__complete";
    static final String FILES = "__files__";
    static final String DIRS = "__dirs__";
    /** How long one TAB may wait for a minion's method list through the service. */
    static final Duration ASK = Duration.ofSeconds(2);

    /** What jfuncd's built-in modules offer: the fallback when no service runs (a test keeps it true). */
    static final List<String> BUILTIN_METHODS = Stream.concat(JobProtocol.METHODS.stream(), Stream.of(
            "command.run", "copyfile.begin", "copyfile.checksum", "copyfile.chunk", "copyfile.commit", "copyfile.copyfile",
            "facts.all", "getfile.chunk", "getfile.read", "getfile.stat",
            "process.info", "process.kill", "service.restart", "service.start", "service.status", "service.stop",
            "system.list_methods", "system.list_modules", "system.list_read_only_methods", "system.method_help", "system.multicall",
            "test.add", "test.echo", "test.ping", "test.sleep")).sorted().toList();

    private static final Set<String> TARGETED = Set.of("ping", "call", "push", "pull", "list-minions");

    /** Where the words come from: the state dir's inventory, and the service when one runs. */
    interface Sources {
        Inventory inventory() throws Exception;

        /** Methods (MODULE.METHOD) of a minion of {@code target}. */
        List<String> methods(String target) throws Exception;

        List<String> jobIds() throws Exception;
    }

    private Completion() {}

    static int run(PrintWriter out, String[] args) {
        try {
            int index = Integer.parseInt(args[1]);
            List<String> words = List.of(args).subList(2, args.length);
            for (String w : candidates(words, index - 1, live(stateDir(words)))) {
                out.println(w);
            }
        } catch (RuntimeException e) {
            // nothing to offer
        }
        out.flush();
        return 0;
    }

    /** The words for {@code words.get(current)} (the word being completed; may be past the end). */
    static List<String> candidates(List<String> words, int current, Sources sources) {
        String cur = current < words.size() ? words.get(current) : "";
        CommandLine root = model();
        CommandSpec spec = root.getCommandSpec();
        List<String> positional = new ArrayList<>();
        String target = null;
        String command = null;
        String jobCommand = null;
        for (int i = 0; i < current && i < words.size(); i++) {
            String w = words.get(i);
            if (w.equals("--") && "call".equals(command)) {
                positional.add(w);
                continue;
            }
            if (w.startsWith("-") && !positional.contains("--")) {
                OptionSpec o = spec.findOption(w.contains("=") ? w.substring(0, w.indexOf('=')) : w);
                if (o != null && o.arity().min() > 0 && !w.contains("=")) {
                    i++; // its value
                }
                continue;
            }
            if (command == null) {
                if (target == null && w.equals("job")) {
                    command = "job";
                    spec = root.getSubcommands().get("job").getCommandSpec();
                } else if (TARGETED.contains(w) && (target != null || w.equals("list-minions"))) {
                    command = w;
                    spec = root.getSubcommands().get(w).getCommandSpec();
                } else if (target == null) {
                    target = w;
                }
            } else if (command.equals("job") && jobCommand == null) {
                jobCommand = w;
                CommandLine sub = root.getSubcommands().get("job").getSubcommands().get(w);
                if (sub == null) {
                    return List.of();
                }
                spec = sub.getCommandSpec();
            } else {
                positional.add(w);
            }
        }
        String previous = current > 0 && current <= words.size() ? words.get(current - 1) : "";
        OptionSpec valueOf = previous.startsWith("-") ? spec.findOption(previous) : null;
        if (valueOf != null && valueOf.arity().min() > 0) {
            return previous.equals("--state-dir") || valueOf.paramLabel().contains("DIR") ? List.of(DIRS) : List.of();
        }
        if (cur.startsWith("-") && !positional.contains("--")) {
            return options(spec);
        }
        try {
            if (command == null) {
                return target == null ? targets(cur, sources) : List.copyOf(TARGETED);
            }
            return switch (command) {
                case "job" -> jobCommand == null ? List.copyOf(root.getSubcommands().get("job").getSubcommands().keySet())
                        : jobCommand.equals("status") ? sources.jobIds() : List.of();
                case "call" -> call(positional, cur, target, sources);
                case "push" -> positional.isEmpty() ? List.of(FILES) : List.of();
                case "pull" -> positional.size() == 1 ? List.of(DIRS) : List.of();
                default -> List.of();
            };
        } catch (Exception e) {
            return List.of();
        }
    }

    /** Minion names and @groups; {@code job} only when the word typed so far begins it. */
    private static List<String> targets(String cur, Sources sources) throws Exception {
        List<String> out = new ArrayList<>();
        Inventory inventory = sources.inventory();
        Set<String> names = new TreeSet<>();
        inventory.minions().forEach(m -> names.add(m.name()));
        names.addAll(inventory.revoked());
        out.addAll(names);
        inventory.groups().keySet().stream().sorted().forEach(g -> out.add("@" + g));
        if (!cur.isEmpty() && "job".startsWith(cur)) {
            out.add("job");
        }
        return out;
    }

    /** After {@code call}: modules and MODULE.METHOD words, then the module's methods. */
    private static List<String> call(List<String> positional, String cur, String target, Sources sources) throws Exception {
        if (positional.size() > 1 || positional.contains("--")) {
            return List.of();
        }
        List<String> methods = sources.methods(target);
        Set<String> out = new TreeSet<>();
        if (positional.isEmpty()) {
            for (String m : methods) {
                int dot = m.indexOf('.');
                out.add(cur.contains(".") ? m : m.substring(0, dot));
            }
        } else {
            String module = positional.get(0);
            if (module.contains(".")) {
                return List.of();
            }
            for (String m : methods) {
                if (m.startsWith(module + ".")) {
                    out.add(m.substring(module.length() + 1));
                }
            }
        }
        return List.copyOf(out);
    }

    private static List<String> options(CommandSpec spec) {
        List<String> out = new ArrayList<>();
        for (OptionSpec o : spec.options()) {
            if (!o.hidden()) {
                out.add(o.longestName());
            }
        }
        return out;
    }

    private static CommandLine model() {
        return JfuncCli.commandLine(new String[0]);
    }

    /** {@code --state-dir DIR} among the words, else the default. */
    private static StateDir stateDir(List<String> words) {
        for (int i = 0; i < words.size(); i++) {
            if (words.get(i).equals("--state-dir") && i + 1 < words.size()) {
                return StateDir.resolve(Path.of(words.get(i + 1)));
            }
            if (words.get(i).startsWith("--state-dir=")) {
                return StateDir.resolve(Path.of(words.get(i).substring("--state-dir=".length())));
            }
        }
        return StateDir.resolve(null);
    }

    /** The real sources: files of the state dir, and its service when one answers. */
    static Sources live(StateDir state) {
        return new Sources() {
            @Override
            public Inventory inventory() throws Exception {
                return Inventory.load(state);
            }

            @Override
            public List<String> methods(String target) throws Exception {
                try (ServiceClient service = service()) {
                    if (service == null || target == null) {
                        return BUILTIN_METHODS;
                    }
                    Selection s = service.select(target);
                    if (s.minions().isEmpty()) {
                        return BUILTIN_METHODS;
                    }
                    Selection one = new Selection(s.target(), List.of(s.minions().get(0).name()), s.minions().subList(0, 1),
                            List.of());
                    CallResult r = service.call(one, MethodCall.of("system.list_methods"), ASK, null);
                    for (MinionResult m : r.results()) {
                        if (m.ok() && m.value() instanceof Object[] listed) {
                            List<String> out = new ArrayList<>();
                            for (Object o : listed) {
                                out.add(String.valueOf(o));
                            }
                            return out;
                        }
                    }
                    return BUILTIN_METHODS;
                }
            }

            @Override
            public List<String> jobIds() throws Exception {
                try (OverlordApi api = OverlordApi.open(state, FanOut.Limits.defaults(),
                        !"off".equalsIgnoreCase(System.getenv(JfuncCli.SERVICE_ENV)), note -> { })) {
                    return api.list(null, null, 50).stream().map(JobSummary::id).toList();
                }
            }

            private ServiceClient service() {
                if ("off".equalsIgnoreCase(System.getenv(JfuncCli.SERVICE_ENV))) {
                    return null;
                }
                try {
                    return ServiceClient.connect(state, FanOut.Limits.defaults().withTimeout(ASK));
                } catch (ServiceClient.Stale e) {
                    return null;
                }
            }
        };
    }
}
