package jfunc.overlord.cli;

import java.io.PrintWriter;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import jfunc.overlord.OverlordApi;
import jfunc.overlord.Selection;
import jfunc.overlord.json.Json;
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
        Map<String, String> rows = new LinkedHashMap<>();
        for (String name : s.names()) {
            rows.put(name, addresses.get(name));
        }
        if (output.json) {
            Map<String, Object> json = new LinkedHashMap<>();
            rows.forEach((k, v) -> json.put(k, v == null ? Map.of("error", "not in the inventory") : v));
            out.println(Json.writePretty(json));
        } else {
            int width = Math.max(6, rows.keySet().stream().mapToInt(String::length).max().orElse(0));
            out.println(ResultTable.pad("MINION", width) + "  ADDRESS");
            rows.forEach((k, v) -> out.println(ResultTable.pad(k, width) + "  " + (v == null ? "(not in the inventory)" : v)));
        }
        return JfuncCli.ok(s.unknown().isEmpty());
    }
}
