package jfunc.minion;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The arguments of one call, already checked against the method's declaration, with typed
 * getters. Indexes start at 0; an optional argument that was not sent reads as the default.
 */
public final class Args {
    private final String method;
    private final List<Object> values;

    public Args(String method, List<Object> values) {
        this.method = method;
        this.values = List.copyOf(values);
    }

    /** The full method name ("command.run"), for messages. */
    public String method() {
        return method;
    }

    public int size() {
        return values.size();
    }

    public boolean has(int i) {
        return i < values.size();
    }

    public Object get(int i) {
        return values.get(i);
    }

    public List<Object> all() {
        return values;
    }

    public String string(int i) {
        return (String) values.get(i);
    }

    public int integer(int i) {
        return (Integer) values.get(i);
    }

    public int integer(int i, int defaultValue) {
        return has(i) ? integer(i) : defaultValue;
    }

    public boolean bool(int i) {
        return (Boolean) values.get(i);
    }

    public double number(int i) {
        return ((Number) values.get(i)).doubleValue();
    }

    public byte[] bytes(int i) {
        return (byte[]) values.get(i);
    }

    @SuppressWarnings("unchecked")
    public Map<String, Object> struct(int i) {
        return has(i) ? (Map<String, Object>) values.get(i) : Map.of();
    }

    /** An array argument as a list (XML-RPC decodes arrays as Object[]). */
    public List<Object> array(int i) {
        Object v = values.get(i);
        if (v instanceof Object[] a) {
            return Arrays.asList(a);
        }
        @SuppressWarnings("unchecked")
        List<Object> list = (List<Object>) v;
        return list;
    }

    /** An IllegalArgumentException whose message starts with the method name. */
    public IllegalArgumentException bad(String problem) {
        return new IllegalArgumentException(method + ": " + problem);
    }
}
