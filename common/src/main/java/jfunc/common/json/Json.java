package jfunc.common.json;

import java.math.BigInteger;
import java.time.Instant;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes JSON. Reading gives {@code String}, {@code Long} (integers that fit),
 * {@code BigInteger} (larger integers), {@code Double}, {@code Boolean}, {@code null},
 * {@code List<Object>} and {@code Map<String, Object>} (member order kept). Writing accepts
 * those plus the XML-RPC wire types: {@code Integer}, {@code byte[]} (as a base64 string),
 * {@code Object[]}, dates (ISO-8601 strings); non-finite doubles become strings.
 */
public final class Json {
    /** Deeper nesting than this is refused (a stack guard against hostile input). */
    public static final int MAX_DEPTH = 200;

    /** Malformed JSON; the message gives the character offset. */
    public static final class JsonException extends IllegalArgumentException {
        public JsonException(String message) {
            super(message);
        }
    }

    private Json() {}

    /** Parses one JSON value; anything but whitespace after it is an error. */
    public static Object parse(String text) {
        Reader r = new Reader(text);
        r.skipSpace();
        Object v = r.value(0);
        r.skipSpace();
        if (r.pos < text.length()) {
            throw r.error("unexpected '" + text.charAt(r.pos) + "' after the value");
        }
        return v;
    }

    /** Compact JSON. */
    public static String write(Object value) {
        StringBuilder out = new StringBuilder();
        write(out, value, -1, 0, false);
        return out.toString();
    }

    /** JSON indented by two spaces per level. */
    public static String writePretty(Object value) {
        StringBuilder out = new StringBuilder();
        write(out, value, 2, 0, false);
        return out.toString();
    }

    /**
     * An object of rows, one member a line, each row on its line with a space after {@code ,} and
     * {@code :} ({@code jfunc-ca list --json}): {@code {"name": {"state": "signed", ...}, ...}}.
     */
    public static String writeByName(Map<String, ?> rows) {
        StringBuilder out = new StringBuilder("{");
        boolean first = true;
        for (Map.Entry<String, ?> e : rows.entrySet()) {
            out.append(first ? "\n  " : ",\n  ");
            first = false;
            quote(out, e.getKey());
            out.append(": ");
            write(out, e.getValue(), -1, 1, true);
        }
        return out.append(first ? "}" : "\n}").toString();
    }

    /** {@code spaced}: compact, but with a space after each {@code ,} and {@code :}. */
    private static void write(StringBuilder out, Object v, int indent, int level, boolean spaced) {
        if (v == null) {
            out.append("null");
        } else if (v instanceof String s) {
            quote(out, s);
        } else if (v instanceof Boolean || v instanceof Integer || v instanceof Long || v instanceof Short
                || v instanceof Byte || v instanceof BigInteger) {
            out.append(v);
        } else if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (Double.isFinite(d)) {
                out.append(d == Math.rint(d) && Math.abs(d) < 1e15 ? String.valueOf((long) d) + ".0" : String.valueOf(d));
            } else {
                quote(out, String.valueOf(d));
            }
        } else if (v instanceof Number n) {
            out.append(n);
        } else if (v instanceof byte[] b) {
            quote(out, Base64.getEncoder().encodeToString(b));
        } else if (v instanceof Map<?, ?> m) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                out.append(first ? "" : spaced ? ", " : ",");
                first = false;
                newline(out, indent, level + 1);
                quote(out, String.valueOf(e.getKey()));
                out.append(indent < 0 && !spaced ? ":" : ": ");
                write(out, e.getValue(), indent, level + 1, spaced);
            }
            if (!first) {
                newline(out, indent, level);
            }
            out.append('}');
        } else if (v instanceof Collection<?> || v instanceof Object[]) {
            Collection<?> c = v instanceof Object[] a ? List.of(a) : (Collection<?>) v;
            out.append('[');
            boolean first = true;
            for (Object o : c) {
                out.append(first ? "" : spaced ? ", " : ",");
                first = false;
                newline(out, indent, level + 1);
                write(out, o, indent, level + 1, spaced);
            }
            if (!first) {
                newline(out, indent, level);
            }
            out.append(']');
        } else if (v instanceof Date d) {
            quote(out, d.toInstant().toString());
        } else if (v instanceof Instant || v instanceof TemporalAccessor) {
            quote(out, v.toString());
        } else {
            quote(out, v.toString());
        }
    }

    private static void newline(StringBuilder out, int indent, int level) {
        if (indent >= 0) {
            out.append('\n').append(" ".repeat(indent * level));
        }
    }

    private static void quote(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029') {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    private static final class Reader {
        final String s;
        int pos;

        Reader(String s) {
            this.s = s;
        }

        JsonException error(String what) {
            return new JsonException("bad JSON at character " + (pos + 1) + ": " + what);
        }

        void skipSpace() {
            while (pos < s.length() && " \t\r\n".indexOf(s.charAt(pos)) >= 0) {
                pos++;
            }
        }

        Object value(int depth) {
            if (depth > MAX_DEPTH) {
                throw error("nested deeper than " + MAX_DEPTH);
            }
            if (pos >= s.length()) {
                throw error("unexpected end, expected a value");
            }
            char c = s.charAt(pos);
            return switch (c) {
                case '{' -> object(depth);
                case '[' -> array(depth);
                case '"' -> string();
                case 't' -> literal("true", Boolean.TRUE);
                case 'f' -> literal("false", Boolean.FALSE);
                case 'n' -> literal("null", null);
                default -> {
                    if (c == '-' || (c >= '0' && c <= '9')) {
                        yield number();
                    }
                    throw error("unexpected '" + c + "', expected a value");
                }
            };
        }

        Object literal(String word, Object v) {
            if (!s.startsWith(word, pos)) {
                throw error("unexpected '" + s.charAt(pos) + "', expected a value");
            }
            pos += word.length();
            return v;
        }

        Map<String, Object> object(int depth) {
            Map<String, Object> m = new LinkedHashMap<>();
            pos++;
            skipSpace();
            if (pos < s.length() && s.charAt(pos) == '}') {
                pos++;
                return m;
            }
            while (true) {
                skipSpace();
                if (pos >= s.length() || s.charAt(pos) != '"') {
                    throw error("expected a member name in double quotes");
                }
                String key = string();
                skipSpace();
                expect(':');
                skipSpace();
                m.put(key, value(depth + 1));
                skipSpace();
                if (pos < s.length() && s.charAt(pos) == ',') {
                    pos++;
                    continue;
                }
                expect('}');
                return m;
            }
        }

        List<Object> array(int depth) {
            List<Object> a = new ArrayList<>();
            pos++;
            skipSpace();
            if (pos < s.length() && s.charAt(pos) == ']') {
                pos++;
                return a;
            }
            while (true) {
                skipSpace();
                a.add(value(depth + 1));
                skipSpace();
                if (pos < s.length() && s.charAt(pos) == ',') {
                    pos++;
                    continue;
                }
                expect(']');
                return a;
            }
        }

        void expect(char c) {
            if (pos >= s.length()) {
                throw error("unexpected end, expected '" + c + "'");
            }
            if (s.charAt(pos) != c) {
                throw error("expected '" + c + "', found '" + s.charAt(pos) + "'");
            }
            pos++;
        }

        String string() {
            StringBuilder b = new StringBuilder();
            pos++;
            while (true) {
                if (pos >= s.length()) {
                    throw error("unterminated string");
                }
                char c = s.charAt(pos++);
                if (c == '"') {
                    return b.toString();
                }
                if (c < 0x20) {
                    throw error("control character in a string (escape it)");
                }
                if (c != '\\') {
                    b.append(c);
                    continue;
                }
                if (pos >= s.length()) {
                    throw error("unterminated string");
                }
                char e = s.charAt(pos++);
                switch (e) {
                    case '"', '\\', '/' -> b.append(e);
                    case 'n' -> b.append('\n');
                    case 'r' -> b.append('\r');
                    case 't' -> b.append('\t');
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'u' -> {
                        if (pos + 4 > s.length()) {
                            throw error("short \\u escape");
                        }
                        try {
                            b.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
                        } catch (NumberFormatException x) {
                            throw error("bad \\u escape");
                        }
                        pos += 4;
                    }
                    default -> throw error("bad escape '\\" + e + "'");
                }
            }
        }

        Object number() {
            int start = pos;
            if (s.charAt(pos) == '-') {
                pos++;
            }
            int intStart = pos;
            digits();
            if (pos == intStart) {
                throw error("expected digits");
            }
            if (s.charAt(intStart) == '0' && pos - intStart > 1) {
                throw error("leading zeros are not allowed");
            }
            boolean integer = true;
            if (pos < s.length() && s.charAt(pos) == '.') {
                integer = false;
                pos++;
                int f = pos;
                digits();
                if (pos == f) {
                    throw error("expected digits after '.'");
                }
            }
            if (pos < s.length() && (s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
                integer = false;
                pos++;
                if (pos < s.length() && (s.charAt(pos) == '+' || s.charAt(pos) == '-')) {
                    pos++;
                }
                int e = pos;
                digits();
                if (pos == e) {
                    throw error("expected digits in the exponent");
                }
            }
            String n = s.substring(start, pos);
            if (!integer) {
                return Double.parseDouble(n);
            }
            BigInteger big = new BigInteger(n);
            return big.bitLength() < 64 ? (Object) big.longValue() : big;
        }

        void digits() {
            while (pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9') {
                pos++;
            }
        }
    }
}
