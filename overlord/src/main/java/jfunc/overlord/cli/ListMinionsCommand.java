package jfunc.overlord.cli;

import java.io.PrintWriter;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.time.Instant;
import jfunc.overlord.CertExpiry;
import jfunc.overlord.Liveness;
import jfunc.overlord.MinionAddress;
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
        footer = {"  jfunc list-minions", "  jfunc 'web*' list-minions --json"}, header = "List the minions TARGET selects (all without TARGET): address, heartbeat state, last seen, round-trip time, certificate expiry.",
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
        Map<String, Liveness> liveness;
        try (OverlordApi overlord = root.overlord()) {
            s = overlord.minions(target);
            liveness = overlord.liveness(s.minions().stream().map(MinionAddress::name).toList());
        }
        PrintWriter out = spec.commandLine().getOut();
        if (liveness == null) {
            spec.commandLine().getErr().println("note: STATE, LAST SEEN and RTT come from jfunc-overlord's heartbeat,"
                    + " and no jfunc-overlord serves " + root.state().root());
        }
        CertExpiry certs = new CertExpiry(root.state());
        Instant now = Instant.now();
        Map<String, String> addresses = new HashMap<>();
        s.minions().forEach(m -> addresses.put(m.name(), m.hostPort()));
        java.util.Set<String> revoked = new java.util.HashSet<>(s.revoked());
        java.util.List<String> names = new java.util.ArrayList<>(s.names());
        s.revoked().stream().filter(n -> !names.contains(n)).forEach(names::add);
        if (output.json) {
            Map<String, Object> json = new LinkedHashMap<>();
            for (String name : names) {
                String at = addresses.get(name);
                json.put(name, at != null ? Map.of("ok", okJson(at, liveness == null ? null : liveness.get(name),
                        certs.of(name)))
                        : Map.of("error", error(revoked.contains(name) ? "revoked" : "unknown", revoked.contains(name)
                        ? "revoked by the CA (jfunc-ca clean " + name + " forgets it)" : "not in the inventory")));
            }
            out.println(Json.writePretty(json));
        } else {
            int width = Math.max(6, names.stream().mapToInt(String::length).max().orElse(0));
            int addressWidth = Math.max(7, addresses.values().stream().mapToInt(String::length).max().orElse(0));
            java.util.List<String[]> rows = new java.util.ArrayList<>();
            for (String name : names) {
                String at = addresses.get(name);
                if (at == null) {
                    rows.add(new String[] {name, revoked.contains(name)
                            ? "(revoked by the CA; jfunc-ca clean " + name + " forgets it)" : "(not in the inventory)"});
                    continue;
                }
                Liveness l = liveness == null ? null : liveness.get(name);
                Instant expires = certs.of(name);
                rows.add(new String[] {name, at, l == null ? "-" : l.stateText(),
                        l == null ? "-" : Liveness.Times.at(l.lastSeen()), l == null ? "-" : Liveness.Times.rtt(l.rtt()),
                        expires == null ? "-" : Liveness.Times.day(expires) + (CertExpiry.soon(expires, now) ? " (soon)" : "")});
            }
            int stateWidth = Math.max(5, rows.stream().filter(r -> r.length > 2).mapToInt(r -> r[2].length()).max().orElse(0));
            int seenWidth = Math.max(9, rows.stream().filter(r -> r.length > 2).mapToInt(r -> r[3].length()).max().orElse(0));
            int rttWidth = Math.max(3, rows.stream().filter(r -> r.length > 2).mapToInt(r -> r[4].length()).max().orElse(0));
            out.println(ResultTable.pad("MINION", width) + "  " + ResultTable.pad("ADDRESS", addressWidth) + "  "
                    + ResultTable.pad("STATE", stateWidth) + "  " + ResultTable.pad("LAST SEEN", seenWidth) + "  "
                    + ResultTable.pad("RTT", rttWidth) + "  CERT EXPIRES");
            for (String[] r : rows) {
                out.println(r.length == 2 ? ResultTable.pad(r[0], width) + "  " + r[1]
                        : ResultTable.pad(r[0], width) + "  " + ResultTable.pad(r[1], addressWidth) + "  "
                        + ResultTable.pad(r[2], stateWidth) + "  " + ResultTable.pad(r[3], seenWidth) + "  "
                        + ResultTable.pad(r[4], rttWidth) + "  " + r[5]);
            }
        }
        return JfuncCli.ok(s.unknown().isEmpty());
    }

    /** {address} plus, when known, state, last_seen, rtt_ms, failing_since, last_error, cert_expires. */
    private static Map<String, Object> okJson(String address, Liveness l, Instant certExpires) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("address", address);
        if (l != null) {
            m.put("state", l.state().label());
            if (l.lastSeen() != null) {
                m.put("last_seen", l.lastSeen().toString());
            }
            if (l.rtt() != null) {
                m.put("rtt_ms", l.rtt().toNanos() / 1e6);
            }
            if (l.failingSince() != null) {
                m.put("failing_since", l.failingSince().toString());
            }
            if (l.lastError() != null) {
                m.put("last_error", l.lastError());
            }
        }
        if (certExpires != null) {
            m.put("cert_expires", certExpires.toString());
        }
        return m;
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
