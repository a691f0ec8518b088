package jfunc.overlord.cli;

import java.io.PrintWriter;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import jfunc.overlord.OverlordApi;
import jfunc.overlord.Selection;
import jfunc.common.json.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code jfunc [TARGET] list-minions}: the inventory, without calling anyone. */
@Command(name = "list-minions",
        footerHeading = "%nExamples:%n",
        footer = {"  jfunc list-minions", "  jfunc 'web*' list-minions --json"}, header = "List the minions TARGET selects (all without TARGET), with addresses.",
        synopsisHeading = "%nUsage:%n",
        customSynopsis = "  jfunc [--state-dir DIR] [TARGET] list-minions [--json]",
        usageHelpWidth = 90,
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:listed", "1:the target names minions that are not in the inventory",
            "2:usage or configuration error", "3:the target matched no minion"})
final class ListMinionsCommand implements Callable<Integer> {
    @ParentCommand
    JfuncCli root;

    @Mixin
    OutputOptions output;

    @Mixin
    HelpOption help;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        String target = root.target == null ? "*" : root.target;
        Selection s;
        try (OverlordApi overlord = root.overlord()) {
            s = overlord.minions(target);
        }
        PrintWriter out = spec.commandLine().getOut();
        Map<String, String> addresses = new HashMap<>();
        s.minions().forEach(m -> addresses.put(m.name(), m.hostPort()));
        java.util.Set<String> revoked = new java.util.HashSet<>(s.revoked());
        java.util.List<String> names = new java.util.ArrayList<>(s.names());
        s.revoked().stream().filter(n -> !names.contains(n)).forEach(names::add);
        if (output.json) {
            Map<String, Object> json = new LinkedHashMap<>();
            for (String name : names) {
                String at = addresses.get(name);
                json.put(name, at != null ? Map.of("ok", Map.of("address", at))
                        : Map.of("error", error(revoked.contains(name) ? "revoked" : "unknown", revoked.contains(name)
                        ? "revoked by the CA (jfunc-ca clean " + name + " forgets it)" : "not in the inventory")));
            }
            out.println(Json.writePretty(json));
        } else {
            int width = Math.max(6, names.stream().mapToInt(String::length).max().orElse(0));
            out.println(ResultTable.pad("MINION", width) + "  ADDRESS");
            for (String name : names) {
                String at = addresses.get(name);
                out.println(ResultTable.pad(name, width) + "  " + (at != null ? at : revoked.contains(name)
                        ? "(revoked by the CA; jfunc-ca clean " + name + " forgets it)" : "(not in the inventory)"));
            }
        }
        return JfuncCli.ok(s.unknown().isEmpty());
    }

    /** The error shape of every --json output: kind, code, label, message. */
    private static Map<String, Object> error(String kind, String message) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("kind", kind);
        e.put("code", 0);
        e.put("label", kind);
        e.put("message", message);
        return e;
    }
}
