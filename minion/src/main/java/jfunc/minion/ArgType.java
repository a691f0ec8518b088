package jfunc.minion;

import java.util.Map;

/**
 * The XML-RPC value types a method parameter may declare, plus {@link #ANY}. The registry checks
 * arguments against these once, before a handler runs; a handler can then cast without checks.
 */
public enum ArgType {
    INT("int"),
    BOOLEAN("boolean"),
    /** A double; an int argument is accepted too (Python sends {@code 2} for {@code 2.0}). */
    DOUBLE("double"),
    STRING("string"),
    BASE64("base64"),
    STRUCT("struct"),
    ARRAY("array"),
    ANY("any");

    private final String label;

    ArgType(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    public boolean accepts(Object value) {
        return switch (this) {
            case INT -> value instanceof Integer;
            case BOOLEAN -> value instanceof Boolean;
            case DOUBLE -> value instanceof Double || value instanceof Integer;
            case STRING -> value instanceof String;
            case BASE64 -> value instanceof byte[];
            case STRUCT -> value instanceof Map<?, ?>;
            case ARRAY -> value instanceof Object[] || value instanceof java.util.List<?>;
            case ANY -> value != null;
        };
    }

    /** The XML-RPC name of a decoded value's type, for messages ("got int"). */
    public static String nameOf(Object value) {
        if (value == null) {
            return "nil";
        }
        for (ArgType t : values()) {
            if (t != ANY && t != DOUBLE && t.accepts(value)) {
                return t.label;
            }
        }
        if (value instanceof Double) {
            return "double";
        }
        if (value instanceof java.util.Date) {
            return "dateTime";
        }
        return value.getClass().getSimpleName();
    }
}
