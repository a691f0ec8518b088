package jfunc.certs;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The reply of {@code certs.submit_csr} and {@code certs.fetch} (docs/PROTOCOL.md): a struct
 * whose {@code state} is {@code pending}, {@code signed} (with {@code cert}) or {@code refused}
 * (with {@code reason}). {@code ca} and {@code crl} are sent whenever the CA has them, so a
 * signed minion can refresh its CRL with {@code certs.fetch}; {@code reason} on a pending reply
 * says what it waits for. Absent members are left out of the struct.
 */
public record EnrolmentAnswer(State state, String cert, String ca, String crl, String reason) {
    public enum State {
        PENDING, SIGNED, REFUSED;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** How a refusal for a name the CA has no record of ends (after the name): clean forgot it, or it never enrolled. */
    public static final String NOT_KNOWN = " is not known to the CA";

    public static EnrolmentAnswer refused(String reason) {
        return new EnrolmentAnswer(State.REFUSED, null, null, null, reason);
    }

    EnrolmentAnswer withCa(String caPem, String crlPem) {
        return new EnrolmentAnswer(state, cert, caPem, crlPem, reason);
    }

    /** The XML-RPC struct. */
    public Map<String, Object> toStruct() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("state", state.wire());
        put(m, "cert", cert);
        put(m, "ca", ca);
        put(m, "crl", crl);
        put(m, "reason", reason);
        return m;
    }

    /** Reads a struct from the wire; throws IllegalArgumentException when it is not one of ours. */
    public static EnrolmentAnswer fromStruct(Object value) {
        if (!(value instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException("expected a struct, got " + describe(value));
        }
        State state;
        try {
            state = State.valueOf(String.valueOf(m.get("state")).toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown state '" + m.get("state") + "'");
        }
        EnrolmentAnswer a = new EnrolmentAnswer(state, text(m, "cert"), text(m, "ca"), text(m, "crl"), text(m, "reason"));
        if (state == State.SIGNED && (a.cert == null || a.ca == null)) {
            throw new IllegalArgumentException("a signed answer without cert or ca");
        }
        return a;
    }

    private static void put(Map<String, Object> m, String key, String value) {
        if (value != null && !value.isEmpty()) {
            m.put(key, value);
        }
    }

    private static String text(Map<?, ?> m, String key) {
        Object v = m.get(key);
        if (v == null || "".equals(v)) {
            return null;
        }
        if (!(v instanceof String s)) {
            throw new IllegalArgumentException("member '" + key + "' is " + describe(v) + ", expected a string");
        }
        return s;
    }

    private static String describe(Object v) {
        return v == null ? "nothing" : v.getClass().getSimpleName();
    }
}
