package jfunc.certs.cli;

import java.util.List;
import java.util.Map;

/** Just enough JSON for --json output: arrays of flat objects of strings (null allowed). */
final class Json {
    private Json() {}

    static String array(List<Map<String, String>> rows) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < rows.size(); i++) {
            sb.append(i == 0 ? "\n  " : ",\n  ").append(object(rows.get(i)));
        }
        return sb.append(rows.isEmpty() ? "]" : "\n]").toString();
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
