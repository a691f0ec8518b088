package jfunc.overlord.web;

import java.util.Map;

/** HTML escaping and the one-pass template fill of the pages. */
final class Html {
    private Html() {}

    /** Escapes text for an element body or a quoted attribute; null is "". */
    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /**
     * Replaces each {@code {{name}}} of {@code template} with {@code values.get(name)} in one pass,
     * so a value that itself holds {@code {{...}}} (a minion's output) is never expanded. Values
     * are inserted as given: the caller escapes them.
     */
    static String fill(String template, Map<String, String> values) {
        StringBuilder b = new StringBuilder(template.length() * 2);
        int i = 0;
        while (true) {
            int open = template.indexOf("{{", i);
            if (open < 0) {
                return b.append(template, i, template.length()).toString();
            }
            int close = template.indexOf("}}", open);
            String key = template.substring(open + 2, close);
            String v = values.get(key);
            if (v == null) {
                throw new IllegalArgumentException("no value for {{" + key + "}}");
            }
            b.append(template, i, open).append(v);
            i = close + 2;
        }
    }

    /** A query string part: percent-encoded. */
    static String url(String s) {
        return java.net.URLEncoder.encode(s == null ? "" : s, java.nio.charset.StandardCharsets.UTF_8);
    }
}
