package jfunc.overlord.cli;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jfunc.common.json.Json;

/**
 * {@code --json-args}: each ARG is one JSON value, mapped to XML-RPC types: integers that fit
 * 32 bits → int, other numbers → double, true/false → boolean, strings, arrays, objects →
 * structs. {@code null} and larger integers have no XML-RPC form and are refused.
 */
final class JsonArgs {
    private JsonArgs() {}

    static List<Object> parse(List<String> args) {
        List<Object> out = new ArrayList<>(args.size());
        for (int i = 0; i < args.size(); i++) {
            String where = "ARG " + (i + 1) + " ('" + abbreviate(args.get(i)) + "')";
            Object v;
            try {
                v = Json.parse(args.get(i));
            } catch (Json.JsonException e) {
                throw new IllegalArgumentException(where + ": " + e.getMessage()
                        + " (with --json-args a string needs double quotes: '\"text\"')");
            }
            out.add(wire(v, where));
        }
        return out;
    }

    private static Object wire(Object v, String where) {
        if (v == null) {
            throw new IllegalArgumentException(where + ": null has no XML-RPC form; leave the value out or use \"\"");
        }
        if (v instanceof Long l) {
            if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(where + ": " + l + " does not fit a 32-bit XML-RPC int;"
                        + " pass it as a string (\"" + l + "\")");
            }
            return l.intValue();
        }
        if (v instanceof BigInteger b) {
            throw new IllegalArgumentException(where + ": " + b + " does not fit a 32-bit XML-RPC int;"
                    + " pass it as a string (\"" + b + "\")");
        }
        if (v instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            for (Object o : list) {
                out.add(wire(o, where));
            }
            return out;
        }
        if (v instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                out.put((String) e.getKey(), wire(e.getValue(), where));
            }
            return out;
        }
        return v;
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
