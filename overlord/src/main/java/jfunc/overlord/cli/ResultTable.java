package jfunc.overlord.cli;

import java.io.PrintWriter;
import jfunc.overlord.CallResult;
import jfunc.overlord.CommandExits;
import jfunc.overlord.MinionResult;

/** The human output: one aligned row per minion (MINION, STATUS, RESULT), details indented below. */
final class ResultTable {
    enum Style {
        /** RESULT is the round-trip time. */
        PING,
        /** RESULT is the value, summarised. */
        VALUES
    }

    private ResultTable() {}

    static void print(CallResult result, Style style, CommandExits exits, PrintWriter out) {
        int nameWidth = "MINION".length();
        int statusWidth = "STATUS".length();
        for (MinionResult r : result.results()) {
            nameWidth = Math.max(nameWidth, r.minion().length());
            statusWidth = Math.max(statusWidth, status(result.method(), r, exits).length());
        }
        out.println(pad("MINION", nameWidth) + "  " + pad("STATUS", statusWidth) + "  RESULT");
        for (MinionResult r : result.results()) {
            ValueText text = r.ok()
                    ? (style == Style.PING ? new ValueText("pong in " + r.elapsed().toMillis() + " ms", java.util.List.of())
                    : ValueText.of(r.value()))
                    : new ValueText(ValueText.clean(r.error().message()), java.util.List.of());
            out.println(pad(r.minion(), nameWidth) + "  " + pad(status(result.method(), r, exits), statusWidth) + "  "
                    + text.summary());
            for (String line : text.lines()) {
                out.println("    " + line);
            }
        }
    }

    /** ok, failed (a command's exit code is not success), or the error's label. */
    static String status(String method, MinionResult r, CommandExits exits) {
        if (!r.ok()) {
            return r.error().label();
        }
        return exits.failed(method, r.value()) ? "failed" : "ok";
    }

    static String pad(String s, int width) {
        return s.length() >= width ? s : s + " ".repeat(width - s.length());
    }
}
