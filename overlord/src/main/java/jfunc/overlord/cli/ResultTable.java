package jfunc.overlord.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jfunc.overlord.CallResult;
import jfunc.overlord.CommandExits;
import jfunc.overlord.MinionResult;
import jfunc.common.json.Json;

/**
 * The human output: one aligned row per minion (MINION, STATUS, RESULT), details indented below;
 * rows are printed as minions answer ({@link #row}, a fixed STATUS width) or all at the end in
 * target order ({@link #print}, widths fitted). {@link #printFields} makes a column per field
 * of struct results ({@code --table os,kernel,cpus}).
 */
final class ResultTable {
    enum Style {
        /** RESULT is the round-trip time. */
        PING,
        /** RESULT is the value, summarised. */
        VALUES
    }

    /** The STATUS width of rows printed as they come: fits every label but the longest fault labels. */
    static final int STREAM_STATUS_WIDTH = "unreachable".length();

    private ResultTable() {}

    static void print(CallResult result, Style style, CommandExits exits, PrintWriter out) {
        int nameWidth = "MINION".length();
        int statusWidth = "STATUS".length();
        for (MinionResult r : result.results()) {
            nameWidth = Math.max(nameWidth, r.minion().length());
            statusWidth = Math.max(statusWidth, status(result.method(), r, exits).length());
        }
        header(nameWidth, statusWidth, out);
        for (MinionResult r : result.results()) {
            row(result.method(), r, style, exits, nameWidth, statusWidth, out);
        }
    }

    static void header(int nameWidth, int statusWidth, PrintWriter out) {
        out.println(pad("MINION", nameWidth) + "  " + pad("STATUS", statusWidth) + "  RESULT");
    }

    static void row(String method, MinionResult r, Style style, CommandExits exits, int nameWidth, int statusWidth,
                    PrintWriter out) {
        ValueText text = r.ok()
                ? (style == Style.PING ? new ValueText("pong in " + r.elapsed().toMillis() + " ms", List.of())
                : ValueText.of(r.value()))
                : new ValueText(ValueText.clean(r.error().message()), List.of());
        out.println(pad(r.minion(), nameWidth) + "  " + pad(status(method, r, exits), statusWidth) + "  " + text.summary());
        for (String line : text.lines()) {
            out.println("    " + line);
        }
    }

    /**
     * One column per field of each minion's struct result, in target order; a missing field is
     * {@code -}, a minion that failed shows its error after the status.
     */
    static void printFields(CallResult result, List<String> fields, CommandExits exits, PrintWriter out) {
        List<List<String>> rows = new ArrayList<>();
        List<String> head = new ArrayList<>(List.of("MINION", "STATUS"));
        fields.forEach(f -> head.add(f.toUpperCase(java.util.Locale.ROOT)));
        for (MinionResult r : result.results()) {
            List<String> row = new ArrayList<>(List.of(r.minion(), status(result.method(), r, exits)));
            if (!r.ok()) {
                row.add(ValueText.clean(r.error().message()));
            } else {
                Object v = ResultJson.okValue(result.method(), r.value());
                for (String f : fields) {
                    row.add(v instanceof Map<?, ?> m && m.containsKey(f) ? cell(m.get(f)) : "-");
                }
            }
            rows.add(row);
        }
        int[] width = new int[head.size()];
        for (List<String> row : rows) {
            for (int i = 0; i < row.size() && i < width.length - 1; i++) {
                width[i] = Math.max(width[i], row.get(i).length());
            }
        }
        for (int i = 0; i < width.length; i++) {
            width[i] = Math.max(width[i], head.get(i).length());
        }
        printRow(head, width, out);
        rows.forEach(row -> printRow(row, width, out));
    }

    private static void printRow(List<String> cells, int[] width, PrintWriter out) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            boolean last = i == cells.size() - 1;
            b.append(last ? cells.get(i) : pad(cells.get(i), width[i]));
            if (!last) {
                b.append("  ");
            }
        }
        out.println(b);
    }

    /** A field's value on one line: strings as they are, anything else as compact JSON. */
    private static String cell(Object v) {
        String s = v instanceof String text ? text : v instanceof Map<?, ?> || v instanceof Object[] ? Json.write(v)
                : String.valueOf(v);
        String one = ValueText.clean(s.replace("\n", " "));
        return one.length() > 60 ? one.substring(0, 57) + "..." : one;
    }

    /** ok, failed (a command's exit code is not success), or the error's label. */
    static String status(String method, MinionResult r, CommandExits exits) {
        if (!r.ok()) {
            return label(r.error());
        }
        return exits.failed(method, r.value()) ? "failed" : "ok";
    }

    /** The error's label; {@code revoked} for a minion whose certificate the CA revoked. */
    static String label(jfunc.common.rpc.CallError e) {
        return e.message().startsWith(jfunc.overlord.Overlord.REVOKED) ? "revoked" : e.label();
    }

    static String pad(String s, int width) {
        return s.length() >= width ? s : s + " ".repeat(width - s.length());
    }
}
