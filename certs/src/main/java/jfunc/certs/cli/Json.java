package jfunc.certs.cli;

import java.util.Map;

/** Just enough JSON for --json output: flat objects of strings, in arrays or by name. */
final class Json {
    private Json() {}

    /** {@code {name: {key: value, ...}}}, as jfunc's --json outputs are; null values are left out. */
    static String byName(Map<String, Map<String, String>> rows) {
        StringBuilder sb = new StringBuilder("{");
        boolean first = true;
        for (Map.Entry<String, Map<String, String>> e : rows.entrySet()) {
            Map<String, String> present = new java.util.LinkedHashMap<>();
            e.getValue().forEach((k, v) -> {
                if (v != null) {
                    present.put(k, v);
                }
            });
            sb.append(first ? "\n  " : ",\n  ").append(string(e.getKey())).append(": ").append(object(present));
            first = false;
        }
        return sb.append(rows.isEmpty() ? "}" : "\n}").toString();
    }

    static String object(Map<String, String> row) {
        StringBuilder sb = new StringBuilder("{");
        boolean first = true;
        for (Map.Entry<String, String> e : row.entrySet()) {
            sb.append(first ? "" : ", ").append(string(e.getKey())).append(": ")
                    .append(e.getValue() == null ? "null" : string(e.getValue()));
            first = false;
        }
        return sb.append('}').toString();
    }

    static String string(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
