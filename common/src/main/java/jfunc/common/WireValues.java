package jfunc.common;

import java.time.Instant;
import java.time.temporal.TemporalAccessor;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The one converter from Java values to what XML-RPC without extensions can carry: int
 * (32-bit), boolean, double, string, base64 (byte[]), struct (Map with String keys) and
 * array (Object[]). Apache XML-RPC drops the connection without a reply when a handler
 * returns a {@code long} or {@code null}, so every result goes through here.
 *
 * <ul>
 *   <li>{@code null}: "" at the top level and in arrays; a struct member that is null is left out.
 *   <li>{@code long}, {@code BigInteger}, {@code BigDecimal}: decimal strings (never lossy).
 *   <li>Dates and instants: UTC ISO-8601 strings.
 *   <li>Enums: their name; anything else unknown: its {@code toString()}.
 * </ul>
 */
public final class WireValues {
    private WireValues() {}

    public static Object toWire(Object value) {
        if (value == null) {
            return "";
        }
        if (value instanceof String || value instanceof Integer || value instanceof Boolean
                || value instanceof Double || value instanceof byte[]) {
            return value;
        }
        if (value instanceof Short || value instanceof Byte) {
            return ((Number) value).intValue();
        }
        if (value instanceof Float f) {
            return f.doubleValue();
        }
        if (value instanceof Number n) {
            return n.toString();
        }
        if (value instanceof Character c) {
            return c.toString();
        }
        if (value instanceof Instant i) {
            return i.toString();
        }
        if (value instanceof Date d) {
            return d.toInstant().toString();
        }
        if (value instanceof TemporalAccessor t) {
            return t.toString();
        }
        if (value instanceof Optional<?> o) {
            return toWire(o.orElse(null));
        }
        if (value instanceof Enum<?> e) {
            return e.name();
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (e.getKey() != null && e.getValue() != null) {
                    out.put(String.valueOf(e.getKey()), toWire(e.getValue()));
                }
            }
            return out;
        }
        if (value instanceof Collection<?> c) {
            Object[] out = new Object[c.size()];
            int i = 0;
            for (Object o : c) {
                out[i++] = toWire(o);
            }
            return out;
        }
        if (value instanceof Object[] array) {
            Object[] out = new Object[array.length];
            for (int i = 0; i < array.length; i++) {
                out[i] = toWire(array[i]);
            }
            return out;
        }
        if (value.getClass().isArray()) {
            int n = java.lang.reflect.Array.getLength(value);
            Object[] out = new Object[n];
            for (int i = 0; i < n; i++) {
                out[i] = toWire(java.lang.reflect.Array.get(value, i));
            }
            return out;
        }
        return value.toString();
    }
}
