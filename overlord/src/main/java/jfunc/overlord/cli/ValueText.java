package jfunc.overlord.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jfunc.common.json.Json;

/**
 * How a result value reads in the table: a one-line summary, plus indented lines below it for
 * values that do not fit one line. command.run's {@code [exit, stdout, stderr]} reads as
 * {@code exit N} with its output lines marked {@code out|} and {@code err|}. Control characters
 * from minions are shown escaped, never sent to the terminal.
 */
record ValueText(String summary, List<String> lines) {
    private static final int ONE_LINE = 100;

    static ValueText of(Object v) {
        if (v instanceof Object[] a && a.length == 3 && a[0] instanceof Integer exit
                && a[1] instanceof String out && a[2] instanceof String err) {
            List<String> lines = new ArrayList<>();
            split(out).forEach(l -> lines.add("out| " + l));
            split(err).forEach(l -> lines.add("err| " + l));
            return new ValueText("exit " + exit, lines);
        }
        if (v instanceof String s) {
            List<String> parts = split(s);
            if (parts.size() <= 1) {
                return new ValueText(parts.isEmpty() ? "\"\"" : parts.get(0), List.of());
            }
            return new ValueText("(" + parts.size() + " lines)", parts.stream().map(l -> "| " + l).toList());
        }
        if (v instanceof byte[] b) {
            return new ValueText("(" + b.length + " bytes; --json shows them in base64)", List.of());
        }
        if (v instanceof Map<?, ?> m) {
            String flat = clean(Json.write(m));
            if (flat.length() <= ONE_LINE) {
                return new ValueText(flat, List.of());
            }
            List<String> lines = new ArrayList<>();
            m.forEach((k, x) -> lines.add(clean(String.valueOf(k)) + ": " + clean(Json.write(x))));
            return new ValueText("{" + m.size() + " members}", lines);
        }
        if (v instanceof Object[] a) {
            String flat = clean(Json.write(a));
            if (flat.length() <= ONE_LINE) {
                return new ValueText(flat, List.of());
            }
            List<String> lines = new ArrayList<>();
            for (Object x : a) {
                lines.add("- " + clean(Json.write(x)));
            }
            return new ValueText("[" + a.length + " items]", lines);
        }
        return new ValueText(clean(String.valueOf(v)), List.of());
    }

    /** Lines of a text, without the last empty one a trailing newline makes. */
    static List<String> split(String s) {
        if (s.isEmpty()) {
            return List.of();
        }
        String t = s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
        List<String> out = new ArrayList<>();
        for (String line : t.split("\r?\n", -1)) {
            out.add(clean(line));
        }
        return out;
    }

    /** Escapes control characters (ESC sequences, carriage returns, ...) except tabs. */
    static String clean(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean control = (c < 0x20 && c != '\t') || c == 0x7f || (c >= 0x80 && c < 0xa0);
            if (control && b == null) {
                b = new StringBuilder(s.substring(0, i));
            }
            if (b != null) {
                if (control) {
                    b.append(String.format("\\x%02x", (int) c));
                } else {
                    b.append(c);
                }
            }
        }
        return b == null ? s : b.toString();
    }
}
