package jfunc.overlord;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.regex.Pattern;
import jfunc.common.WireValues;

/**
 * One method call to send: {@code module.method} and its parameters, already converted to
 * XML-RPC-safe values by {@link WireValues} (longs become strings, lists arrays, ...).
 */
public record MethodCall(String method, List<Object> params) {
    private static final Pattern METHOD = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)+");

    public MethodCall {
        if (method == null || !METHOD.matcher(method).matches()) {
            throw new IllegalArgumentException("'" + method + "' is not a method name: expected module.method"
                    + " (letters, digits and '_', e.g. command.run)");
        }
        List<Object> wire = new ArrayList<>(params.size());
        for (Object p : params) {
            if (p == null) {
                throw new IllegalArgumentException("null is not an XML-RPC value (parameter "
                        + (wire.size() + 1) + " of " + method + ")");
            }
            wire.add(WireValues.toWire(p));
        }
        params = Collections.unmodifiableList(wire);
    }

    public static MethodCall of(String method, Object... params) {
        return new MethodCall(method, Arrays.asList(params));
    }

    Object[] paramArray() {
        return params.toArray();
    }
}
